import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import { useLabel } from '../../../lib/format'
import { useMe, type Presence } from '../api/get-me'
import { updatePresence, useUpdatePresence } from '../api/update-presence'
import { useLogout } from '../api/logout'
import { LanguageSelect } from '../../../components/ui/language-select'

const PRESENCES: Presence[] = ['online', 'away', 'offline']
// An online agent's heartbeat: routing takes an agent offline after KEFU_PRESENCE_TIMEOUT_SECONDS (15 min by
// default) without one, and writes one at most every tenth of that (docs/routing.md); a minute keeps well inside.
const HEARTBEAT_MS = 60_000

/** The header's right side: who is signed in, their presence (routing uses it), language, settings, sign-out. */
export function UserMenu() {
  const { t } = useTranslation()
  const label = useLabel()
  const me = useMe()
  const presence = useUpdatePresence()
  const logout = useLogout()
  const [signingOut, setSigningOut] = useState(false)

  const current = (presence.isPending ? presence.variables : me.data?.presence) ?? 'offline'
  const online = me.data?.presence === 'online'

  useEffect(() => {
    if (!online) return
    const beat = window.setInterval(() => void updatePresence('online').catch(() => undefined), HEARTBEAT_MS)
    return () => window.clearInterval(beat)
  }, [online])

  const signOut = async () => {
    setSigningOut(true)
    // Going offline first stops routing from sending this agent new tickets; never block sign-out on it.
    await updatePresence('offline').catch(() => undefined)
    await logout()
  }

  return (
    <div className="user-menu">
      {me.data ? (
        <span className="user-identity" data-testid="current-user" title={me.data.email ?? undefined}>
          <span className="user-name">{me.data.name || me.data.email || me.data.id}</span>
          {me.data.name && me.data.email && <span className="user-email visually-hidden">{me.data.email}</span>}
          {me.data.roles.map((role) => (
            <span key={role} className="badge role">
              {label('role', role)}
            </span>
          ))}
        </span>
      ) : me.isError ? (
        <span className="form-error" role="alert">
          {me.error.message}
        </span>
      ) : (
        <span className="muted">{t('common.loading')}</span>
      )}
      <label className={`presence presence-${current}`}>
        <span className="presence-dot" aria-hidden="true" />
        <select
          aria-label={t('presence.label')}
          data-testid="presence-select"
          value={current}
          disabled={!me.data || presence.isPending}
          onChange={(e) => presence.mutate(e.target.value as Presence)}
        >
          {PRESENCES.map((p) => (
            <option key={p} value={p}>
              {label('presence', p)}
            </option>
          ))}
        </select>
      </label>
      {presence.error && (
        <span className="form-error" role="alert">
          {presence.error.message}
        </span>
      )}
      <LanguageSelect />
      <Link to="/settings" className="button" data-testid="settings-link">
        {t('nav.settings')}
      </Link>
      <button type="button" className="button" data-testid="logout" onClick={signOut} disabled={signingOut}>
        {t('auth.signOut')}
      </button>
    </div>
  )
}
