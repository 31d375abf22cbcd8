/**
 * Runtime configuration, read once at start from `/config.json` (served by the local gateway, or deployed
 * next to the SPA in AWS). Nothing environment-specific is baked into the bundle.
 */
export type RuntimeConfig = {
  /** Base URL of the Agent API host; `/api/v1/...` is appended. Empty means "same origin". */
  apiBase: string
  region: string
  userPoolId: string
  userPoolClientId: string
  /** Cognito endpoint override (the local emulator); absent in AWS. */
  cognitoEndpoint?: string
  /** The WebSocket for pushes (wss://…/prod); absent: the app polls. */
  realtimeUrl?: string
}

let current: RuntimeConfig | null = null

function requireString(raw: Record<string, unknown>, key: string): string {
  const value = raw[key]
  if (typeof value !== 'string' || value === '') {
    throw new Error(`config.json: "${key}" is missing or not a string`)
  }
  return value
}

export function parseConfig(raw: unknown): RuntimeConfig {
  if (typeof raw !== 'object' || raw === null) throw new Error('config.json is not a JSON object')
  const obj = raw as Record<string, unknown>
  const apiBase = typeof obj.apiBase === 'string' ? obj.apiBase : ''
  const cognitoEndpoint =
    typeof obj.cognitoEndpoint === 'string' && obj.cognitoEndpoint !== '' ? obj.cognitoEndpoint : undefined
  return {
    // Accept both "https://host/stage" and "https://host/stage/api/v1".
    apiBase: apiBase.replace(/\/+$/, '').replace(/\/api\/v1$/, ''),
    region: requireString(obj, 'region'),
    userPoolId: requireString(obj, 'userPoolId'),
    userPoolClientId: requireString(obj, 'userPoolClientId'),
    cognitoEndpoint,
    realtimeUrl:
      typeof obj.realtimeUrl === 'string' && /^wss?:\/\//.test(obj.realtimeUrl) ? obj.realtimeUrl : undefined,
  }
}

async function fetchConfig(url: string): Promise<RuntimeConfig> {
  const response = await fetch(url, { cache: 'no-store', headers: { Accept: 'application/json' } })
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`)
  return parseConfig(await response.json())
}

/** Loads the config once; tries the site root first, then the folder the app is served from. */
export async function loadConfig(): Promise<RuntimeConfig> {
  if (current) return current
  const candidates = ['/config.json', `${import.meta.env.BASE_URL}config.json`]
  let lastError: unknown = null
  for (const url of candidates) {
    try {
      current = await fetchConfig(url)
      return current
    } catch (error) {
      lastError = error
    }
  }
  throw lastError instanceof Error ? lastError : new Error('could not load config.json')
}

export function getConfig(): RuntimeConfig {
  if (!current) throw new Error('runtime config used before loadConfig() finished')
  return current
}

export function cognitoUrl(config: RuntimeConfig): string {
  return config.cognitoEndpoint ?? `https://cognito-idp.${config.region}.amazonaws.com/`
}
