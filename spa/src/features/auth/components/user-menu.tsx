import { useState } from 'react'
import { useMe, type Presence } from '../api/get-me'
import { updatePresence, useUpdatePresence } from '../api/update-presence'
import { useLogout } from '../api/logout'

const PRESENCES: Presence[] = ['online', 'away', 'offline']

/** The header's right side: who is signed in, their presence (routing uses it) and sign-out. */
export function UserMenu() {
  const me = useMe()
  const presence = useUpdatePresence()
  const logout = useLogout()
  const [signingOut, setSigningOut] = useState(false)

  const current = (presence.isPending ? presence.variables : me.data?.presence) ?? 'offline'

  const signOut = async () => {
    setSigningOut(true)
    // Going offline first stops routing from sending this agent new tickets; never block sign-out on it.
    await updatePresence('offline').catch(() => undefined)
    logout()
  }

  return (
    <div className="user-menu">
      {me.data ? (
        <span className="user-identity" data-testid="current-user">
          <span className="user-email">{me.data.email ?? me.data.name ?? me.data.id}</span>
          {me.data.roles.map((role) => (
            <span key={role} className="badge role">
              {role}
            </span>
          ))}
        </span>
      ) : me.isError ? (
        <span className="form-error" role="alert">
          {me.error.message}
        </span>
      ) : (
        <span className="muted">Loading…</span>
      )}
      <label className={`presence presence-${current}`}>
        <span className="presence-dot" aria-hidden="true" />
        <span className="visually-hidden">Presence</span>
        <select
          aria-label="Presence"
          data-testid="presence-select"
          value={current}
          disabled={!me.data || presence.isPending}
          onChange={(e) => presence.mutate(e.target.value as Presence)}
        >
          {PRESENCES.map((p) => (
            <option key={p} value={p}>
              {p.charAt(0).toUpperCase() + p.slice(1)}
            </option>
          ))}
        </select>
      </label>
      {presence.error && (
        <span className="form-error" role="alert">
          {presence.error.message}
        </span>
      )}
      <button type="button" className="button" data-testid="logout" onClick={signOut} disabled={signingOut}>
        Sign out
      </button>
    </div>
  )
}
