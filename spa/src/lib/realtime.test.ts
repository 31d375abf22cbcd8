import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  backoffDelay,
  createRefresher,
  KEEPALIVE_MS,
  LIVE_SAFETY_POLL_MS,
  pollingInterval,
  queriesToRefresh,
  RealtimeClient,
  type RealtimeEvent,
  type RealtimeStatus,
} from './realtime'

class FakeSocket {
  static made: FakeSocket[] = []
  readyState = 0
  sent: string[] = []
  closed = false
  onopen: ((event: Event) => void) | null = null
  onclose: ((event: CloseEvent) => void) | null = null
  onerror: ((event: Event) => void) | null = null
  onmessage: ((event: MessageEvent) => void) | null = null
  readonly url: string
  readonly protocols: string[]
  constructor(url: string, protocols: string[]) {
    this.url = url
    this.protocols = protocols
    FakeSocket.made.push(this)
  }
  send(data: string) {
    this.sent.push(data)
  }
  close() {
    this.closed = true
  }
  open() {
    this.readyState = 1
    this.onopen?.(new Event('open'))
  }
  drop() {
    this.readyState = 3
    this.onclose?.(new CloseEvent('close', { code: 1006 }))
  }
  push(data: unknown) {
    this.onmessage?.(new MessageEvent('message', { data: typeof data === 'string' ? data : JSON.stringify(data) }))
  }
}

function client(token: () => Promise<string | null> = async () => 'id-token') {
  const statuses: RealtimeStatus[] = []
  const events: RealtimeEvent[] = []
  const realtime = new RealtimeClient({
    url: 'wss://rt.example/prod',
    token,
    onEvent: (event) => events.push(event),
    onStatus: (status) => statuses.push(status),
    createSocket: (url, protocols) => new FakeSocket(url, protocols),
    random: () => 0.5, // no jitter: the delays are exact
  })
  return { realtime, statuses, events }
}

const flush = () => vi.advanceTimersByTimeAsync(0)

describe('RealtimeClient', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    FakeSocket.made = []
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('offers kefu.v1 and the ID token, goes live on open and hands on pushes', async () => {
    const { realtime, statuses, events } = client()
    realtime.start()
    await flush()
    const socket = FakeSocket.made[0]!
    expect(socket.url).toBe('wss://rt.example/prod')
    expect(socket.protocols).toEqual(['kefu.v1', 'id-token'])
    socket.open()
    expect(statuses).toEqual(['live'])
    socket.push({ type: 'message.created', ticket_id: 'T1', message_id: 'M1' })
    socket.push('not json')
    socket.push({ no: 'type' })
    expect(events).toEqual([{ type: 'message.created', ticket_id: 'T1', message_id: 'M1' }])
    await vi.advanceTimersByTimeAsync(KEEPALIVE_MS)
    expect(socket.sent).toEqual([JSON.stringify({ action: 'ping' })])
    realtime.stop()
    expect(socket.closed).toBe(true)
  })

  it('reconnects with growing backoff while the socket keeps failing, and resets once it is live again', async () => {
    const { realtime, statuses } = client()
    realtime.start()
    await flush()
    FakeSocket.made[0]!.drop() // never opened
    expect(statuses).toEqual(['reconnecting'])
    await vi.advanceTimersByTimeAsync(999)
    expect(FakeSocket.made).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(FakeSocket.made).toHaveLength(2) // after 1 s
    FakeSocket.made[1]!.drop()
    await vi.advanceTimersByTimeAsync(1_999)
    expect(FakeSocket.made).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(FakeSocket.made).toHaveLength(3) // after 2 s more
    FakeSocket.made[2]!.open()
    expect(statuses).toEqual(['reconnecting', 'live'])
    FakeSocket.made[2]!.drop() // a live socket drops: the app polls again and says so
    expect(statuses).toEqual(['reconnecting', 'live', 'reconnecting'])
    await vi.advanceTimersByTimeAsync(1_000)
    expect(FakeSocket.made).toHaveLength(4) // back to 1 s after a success
    realtime.stop()
  })

  it('waits and retries when there is no token, and stops retrying once stopped', async () => {
    let token: string | null = null
    const { realtime, statuses } = client(async () => token)
    realtime.start()
    await flush()
    expect(FakeSocket.made).toHaveLength(0)
    expect(statuses).toEqual(['reconnecting'])
    token = 'id-token'
    await vi.advanceTimersByTimeAsync(1_000)
    expect(FakeSocket.made).toHaveLength(1)
    realtime.stop()
    FakeSocket.made[0]!.drop()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(FakeSocket.made).toHaveLength(1)
  })
})

describe('backoff, polling and what a push refreshes', () => {
  it('doubles up to 30 s with ±20 % jitter', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, () => 0.5))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
    ])
    expect(backoffDelay(0, () => 0)).toBe(800)
    expect(backoffDelay(0, () => 1)).toBe(1_200)
  })

  it('polls at the screen’s pace unless live', () => {
    expect(pollingInterval('reconnecting', 5_000)).toBe(5_000)
    expect(pollingInterval('off', 3_000)).toBe(3_000)
    expect(pollingInterval('connecting', 5_000)).toBe(5_000)
    expect(pollingInterval('live', 5_000)).toBe(LIVE_SAFETY_POLL_MS)
  })

  it('invalidates the inbox and the ticket for ticket and message pushes, agents for presence', () => {
    expect(queriesToRefresh({ type: 'message.created', ticket_id: 'T1', message_id: 'M1' })).toEqual([
      ['tickets', 'list'],
      ['tickets', 'detail', 'T1'],
    ])
    expect(queriesToRefresh({ type: 'ticket.assigned', ticket_id: 'T1' })).toEqual([
      ['tickets', 'list'],
      ['tickets', 'detail', 'T1'],
      ['metrics', 'live'],
    ])
    expect(queriesToRefresh({ type: 'presence.changed', agent_id: 'A', presence: 'online' })).toEqual([
      ['agents'],
      ['metrics', 'live'],
    ])
    expect(queriesToRefresh({ type: 'notification.created', notification_id: 'N1', kind: 'escalated' })).toEqual([
      ['notifications'],
    ])
    expect(queriesToRefresh({ type: 'something.else' })).toEqual([])
  })
})

describe('createRefresher', () => {
  it('refetches at once, and pushes during a refetch once more afterwards, together', async () => {
    const calls: string[][] = []
    const releases: (() => void)[] = []
    const refresh = createRefresher(
      (key) =>
        new Promise<void>((resolve) => {
          calls.push([...key])
          releases.push(resolve)
        }),
    )
    const first = refresh([['tickets', 'list']])
    expect(calls).toEqual([['tickets', 'list']])
    void refresh([['tickets', 'list'], ['tickets', 'detail', 'T1']])
    void refresh([['tickets', 'list']])
    expect(calls).toHaveLength(1) // waits for the running refetch instead of cancelling it
    releases.shift()!()
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(calls.slice(1)).toEqual([
      ['tickets', 'list'],
      ['tickets', 'detail', 'T1'],
    ])
    releases.splice(0).forEach((release) => release())
    await first
    expect(calls).toHaveLength(3)
  })
})
