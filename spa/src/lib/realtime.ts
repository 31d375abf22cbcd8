/**
 * The agent app's WebSocket: small pushes ("ticket.updated", "message.created", ...) that say what to refetch.
 *
 * Connects to config.json's `realtimeUrl` offering the subprotocols `kefu.v1` and the session's ID token (a
 * browser cannot set headers on a WebSocket); reconnects with exponential backoff and jitter; while it is not
 * connected the app polls (see `pollingInterval`) and says so. Framework-free, so its timing logic is tested
 * with fake timers and a fake socket (realtime.test.ts).
 */

export type RealtimeEvent = {
  type: string
  ticket_id?: string
  message_id?: string
  agent_id?: string
  presence?: string
  notification_id?: string
  kind?: string
}

/** `off`: no WebSocket configured (polling only); `connecting`: the first attempt; `live`; `reconnecting`. */
export type RealtimeStatus = 'off' | 'connecting' | 'live' | 'reconnecting'

export const SUBPROTOCOL = 'kefu.v1'
export const BACKOFF_BASE_MS = 1_000
export const BACKOFF_MAX_MS = 30_000
/** API Gateway closes a connection idle for 10 minutes: a ping well before. */
export const KEEPALIVE_MS = 5 * 60_000

type SocketLike = {
  readonly readyState: number
  onopen: ((event: Event) => void) | null
  onclose: ((event: CloseEvent) => void) | null
  onerror: ((event: Event) => void) | null
  onmessage: ((event: MessageEvent) => void) | null
  send(data: string): void
  close(code?: number): void
}

export type RealtimeOptions = {
  url: string
  /** A current ID token (renewed when close to expiry), or null when signed out. */
  token: () => Promise<string | null>
  onEvent: (event: RealtimeEvent) => void
  onStatus: (status: RealtimeStatus) => void
  createSocket?: (url: string, protocols: string[]) => SocketLike
  random?: () => number
}

/** The wait before reconnect attempt `attempt` (0-based): 1 s, 2 s, 4 s ... up to 30 s, each with ±20 % jitter. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 10))
  return Math.round(base * (0.8 + 0.4 * random()))
}

export class RealtimeClient {
  private socket: SocketLike | null = null
  private attempt = 0
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private keepAlive: ReturnType<typeof setInterval> | null = null
  private stopped = false
  private status: RealtimeStatus = 'connecting'
  private readonly options: RealtimeOptions

  constructor(options: RealtimeOptions) {
    this.options = options
  }

  start(): void {
    this.stopped = false
    this.setStatus(this.attempt === 0 ? 'connecting' : 'reconnecting')
    void this.open()
  }

  stop(): void {
    this.stopped = true
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    this.clearKeepAlive()
    const socket = this.socket
    this.socket = null
    if (socket) {
      socket.onclose = null
      socket.close(1000)
    }
  }

  getStatus(): RealtimeStatus {
    return this.status
  }

  private setStatus(status: RealtimeStatus): void {
    if (status === this.status) return
    this.status = status
    this.options.onStatus(status)
  }

  private async open(): Promise<void> {
    const token = await this.options.token().catch(() => null)
    if (this.stopped) return
    if (!token) {
      this.retry()
      return
    }
    const create = this.options.createSocket ?? ((url, protocols) => new WebSocket(url, protocols) as SocketLike)
    let socket: SocketLike
    try {
      socket = create(this.options.url, [SUBPROTOCOL, token])
    } catch {
      this.retry()
      return
    }
    this.socket = socket
    socket.onopen = () => {
      this.attempt = 0
      this.setStatus('live')
      this.clearKeepAlive()
      this.keepAlive = setInterval(() => socket.send(JSON.stringify({ action: 'ping' })), KEEPALIVE_MS)
    }
    socket.onmessage = (message) => {
      if (typeof message.data !== 'string') return
      try {
        const event = JSON.parse(message.data) as unknown
        if (event && typeof event === 'object' && typeof (event as RealtimeEvent).type === 'string') {
          this.options.onEvent(event as RealtimeEvent)
        }
      } catch {
        // not one of ours: ignore
      }
    }
    socket.onerror = () => {
      // a close follows every error; reconnecting happens there
    }
    socket.onclose = () => {
      if (this.socket !== socket) return
      this.socket = null
      this.clearKeepAlive()
      this.retry()
    }
  }

  private retry(): void {
    if (this.stopped) return
    this.setStatus('reconnecting')
    const delay = backoffDelay(this.attempt, this.options.random)
    this.attempt += 1
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      void this.open()
    }, delay)
  }

  private clearKeepAlive(): void {
    if (this.keepAlive) clearInterval(this.keepAlive)
    this.keepAlive = null
  }
}

/** What to refetch for one push: TanStack Query keys (prefixes) to invalidate. */
export function queriesToRefresh(event: RealtimeEvent): readonly (readonly string[])[] {
  if (event.type.startsWith('ticket.') || event.type.startsWith('message.')) {
    const keys: (readonly string[])[] = [['tickets', 'list']]
    if (event.ticket_id) keys.push(['tickets', 'detail', event.ticket_id])
    if (event.type !== 'message.created' && event.type !== 'message.updated') keys.push(['metrics', 'live'])
    return keys
  }
  if (event.type === 'presence.changed') return [['agents'], ['metrics', 'live']]
  if (event.type === 'notification.created') return [['notifications']] // the bell: an SLA warning or escalation
  return []
}

/** While live, a slow poll only as a safety net; otherwise the screen's own polling interval. */
export const LIVE_SAFETY_POLL_MS = 60_000

export function pollingInterval(status: RealtimeStatus, fallbackMs: number): number {
  return status === 'live' ? Math.max(fallbackMs, LIVE_SAFETY_POLL_MS) : fallbackMs
}

/**
 * Coalesces refetches: the first push refetches at once (cancelling a poll that started before the change);
 * pushes that arrive while that refetch runs wait for it and then refetch once more together, instead of
 * cancelling and restarting it each time (a new chat brings two or three pushes within a few hundred ms).
 */
export function createRefresher(
  invalidate: (queryKey: readonly string[]) => Promise<unknown>,
): (keys: readonly (readonly string[])[]) => Promise<void> {
  const pending = new Map<string, readonly string[]>()
  let running: Promise<void> | null = null
  const drain = async () => {
    while (pending.size > 0) {
      const batch = [...pending.values()]
      pending.clear()
      await Promise.all(batch.map((key) => invalidate(key).catch(() => undefined)))
    }
    running = null
  }
  return (keys) => {
    for (const key of keys) pending.set(JSON.stringify(key), key)
    running ??= drain()
    return running
  }
}
