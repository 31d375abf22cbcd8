/**
 * The one way the app calls the Agent API: adds the Cognito IdToken, renews it with the refresh token when
 * it is about to expire (or the API says 401), turns `{"message"}` error bodies into readable errors, and
 * ends the session when the API still answers 401 (the router then shows the login screen).
 */
import { getConfig } from '../config/runtime'
import { initiateAuth } from './cognito'
import { i18n } from './i18n'
import { sessionStore, tokenExpiry, type Session } from './session'

export class ApiError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
  }
}

type Query = Record<string, string | number | boolean | null | undefined>

type RequestOptions = {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  query?: Query
  body?: unknown
  signal?: AbortSignal
}

const RENEW_MARGIN_SECONDS = 60
let renewing: Promise<Session | null> | null = null

export async function renewSession(session: Session): Promise<Session | null> {
  if (!session.refreshToken) return null
  try {
    const answer = await initiateAuth('REFRESH_TOKEN_AUTH', { REFRESH_TOKEN: session.refreshToken })
    const idToken = answer.AuthenticationResult?.IdToken
    if (!idToken) return null
    const renewed: Session = { ...session, idToken, accessToken: answer.AuthenticationResult?.AccessToken ?? session.accessToken }
    sessionStore.set(renewed)
    return renewed
  } catch {
    return null
  }
}

/** Renews at most once at a time, however many requests notice the expiry together. */
export function renewOnce(session: Session): Promise<Session | null> {
  renewing ??= renewSession(session).finally(() => {
    renewing = null
  })
  return renewing
}

async function currentSession(): Promise<Session | null> {
  const session = sessionStore.get()
  if (!session) return null
  const exp = tokenExpiry(session.idToken)
  if (exp !== null && exp - Date.now() / 1000 < RENEW_MARGIN_SECONDS) {
    return (await renewOnce(session)) ?? session
  }
  return session
}

/** The session's ID token, renewed first when close to expiry (the WebSocket offers it at connect). */
export async function freshIdToken(): Promise<string | null> {
  return (await currentSession())?.idToken ?? null
}

export function apiUrl(path: string, query?: Query): string {
  const url = `${getConfig().apiBase}/api/v1${path}`
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  }
  const qs = params.toString()
  return qs ? `${url}?${qs}` : url
}

async function errorMessage(response: Response): Promise<string> {
  const fallback = `${response.status} ${response.statusText || i18n.t('errors.requestFailed')}`.trim()
  try {
    const data = (await response.json()) as { message?: unknown; detail?: unknown }
    if (typeof data.message === 'string' && data.message) return data.message
    if (Array.isArray(data.detail)) {
      // Validation errors: [{"loc": [...], "msg": "..."}]
      const parts = data.detail
        .map((d: { msg?: unknown }) => (typeof d?.msg === 'string' ? d.msg : null))
        .filter(Boolean)
      if (parts.length) return parts.join('; ')
    }
  } catch {
    // not JSON
  }
  return fallback
}

function send(token: string, path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${token}` }
  if (options.body !== undefined) headers['Content-Type'] = 'application/json'
  return fetch(apiUrl(path, options.query), {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  })
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  let session = await currentSession()
  if (!session) {
    sessionStore.clear()
    throw new ApiError(401, i18n.t('errors.signInAgain'))
  }
  let response: Response
  try {
    response = await send(session.idToken, path, options)
    if (response.status === 401) {
      const renewed = await renewOnce(session)
      if (renewed) {
        session = renewed
        response = await send(session.idToken, path, options)
      }
    }
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error
    throw new ApiError(0, i18n.t('errors.network'))
  }
  if (response.status === 401) {
    sessionStore.clear()
    throw new ApiError(401, await errorMessage(response))
  }
  if (!response.ok) throw new ApiError(response.status, await errorMessage(response))
  if (response.status === 204) return undefined as T
  const text = await response.text()
  return (text ? JSON.parse(text) : undefined) as T
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => apiRequest<T>(path, { query, signal }),
  post: <T>(path: string, body: unknown) => apiRequest<T>(path, { method: 'POST', body }),
  put: <T>(path: string, body: unknown) => apiRequest<T>(path, { method: 'PUT', body }),
  patch: <T>(path: string, body: unknown) => apiRequest<T>(path, { method: 'PATCH', body }),
}
