import { useEffect, useSyncExternalStore } from 'react'
import { getConfig } from '../config/runtime'
import { clearCustomerTyping, noteCustomerTyping } from '../features/tickets/typing'
import { freshIdToken } from './api-client'
import { queryClient } from './react-query'
import { createRefresher, pollingInterval, queriesToRefresh, RealtimeClient, type RealtimeStatus } from './realtime'
import { useSession } from './use-session'

let status: RealtimeStatus = 'off'
const listeners = new Set<() => void>()

function setStatus(next: RealtimeStatus): void {
  status = next
  for (const listener of listeners) listener()
}

const statusStore = {
  get: (): RealtimeStatus => status,
  subscribe(listener: () => void): () => void {
    listeners.add(listener)
    return () => listeners.delete(listener)
  },
}

export function useRealtimeStatus(): RealtimeStatus {
  return useSyncExternalStore(statusStore.subscribe, statusStore.get, statusStore.get)
}

/** A screen's refetch interval: its own while the socket is down, a slow safety net while it is live. */
export function usePollingInterval(fallbackMs: number): number {
  return pollingInterval(useRealtimeStatus(), fallbackMs)
}

/** Keeps the WebSocket open while someone is signed in; each push invalidates what it names. */
export function useRealtimeConnection(): void {
  const signedIn = useSession() !== null
  useEffect(() => {
    let url: string | undefined
    try {
      url = getConfig().realtimeUrl
    } catch {
      url = undefined
    }
    if (!signedIn || !url) {
      setStatus('off')
      return
    }
    const refresh = createRefresher((queryKey) => queryClient.invalidateQueries({ queryKey }))
    const client = new RealtimeClient({
      url,
      token: freshIdToken,
      onStatus: (next) => {
        // back after a gap: whatever was pushed meanwhile is lost, so refetch what the screens show
        if (next === 'live' && status === 'reconnecting') void refresh([['tickets']])
        setStatus(next)
      },
      onEvent: (event) => {
        if (event.type === 'typing' && event.ticket_id) noteCustomerTyping(event.ticket_id)
        else if (event.type === 'message.created' && event.ticket_id) clearCustomerTyping(event.ticket_id)
        void refresh(queriesToRefresh(event))
      },
    })
    client.start()
    return () => {
      client.stop()
      setStatus('off')
    }
  }, [signedIn])
}
