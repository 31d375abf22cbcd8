/**
 * The signed-in agent's Cognito tokens, kept in sessionStorage (gone when the tab closes) and observable so
 * the router can send the agent back to the login screen the moment the session ends (logout or a 401).
 */
export type Session = {
  idToken: string
  /** For the user's own Cognito calls (TOTP set-up, sign-out everywhere); absent in sessions saved before. */
  accessToken: string | null
  refreshToken: string | null
  username: string
}

const STORAGE_KEY = 'kefu.session'
const listeners = new Set<() => void>()
let cached: Session | null | undefined

function read(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY)
    if (!raw) return null
    const parsed = JSON.parse(raw) as Partial<Session>
    if (typeof parsed.idToken !== 'string' || typeof parsed.username !== 'string') return null
    return {
      idToken: parsed.idToken,
      accessToken: parsed.accessToken ?? null,
      refreshToken: parsed.refreshToken ?? null,
      username: parsed.username,
    }
  } catch {
    return null
  }
}

function emit(): void {
  for (const listener of listeners) listener()
}

export const sessionStore = {
  get(): Session | null {
    if (cached === undefined) cached = read()
    return cached
  },
  set(session: Session): void {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session))
    cached = session
    emit()
  },
  clear(): void {
    sessionStorage.removeItem(STORAGE_KEY)
    cached = null
    emit()
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener)
    return () => listeners.delete(listener)
  },
}

/** Seconds since the epoch at which a JWT expires, or null when it cannot be read. */
export function tokenExpiry(jwt: string): number | null {
  try {
    const payload = jwt.split('.')[1]
    if (!payload) return null
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'))
    const exp = (JSON.parse(json) as { exp?: unknown }).exp
    return typeof exp === 'number' ? exp : null
  } catch {
    return null
  }
}
