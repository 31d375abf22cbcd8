import { useEffect, useState, useSyncExternalStore } from 'react'

/** The customer's typing, as the real-time socket pushes it ({"type": "typing", "ticket_id"}): shown a few
 * seconds after the last push (the widget renews it every few seconds while the customer types). */
export const CUSTOMER_TYPING_MS = 6_000

const lastSeen = new Map<string, number>()
const listeners = new Set<() => void>()

export function noteCustomerTyping(ticketId: string, now: number = Date.now()): void {
  lastSeen.set(ticketId, now)
  for (const listener of listeners) listener()
}

/** A customer message arrived: they stopped typing. */
export function clearCustomerTyping(ticketId: string): void {
  if (lastSeen.delete(ticketId)) for (const listener of listeners) listener()
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export function useCustomerTyping(ticketId: string): boolean {
  const seen = useSyncExternalStore(subscribe, () => lastSeen.get(ticketId) ?? 0)
  const [expired, setExpired] = useState(0)
  useEffect(() => {
    if (seen === 0) return
    // re-render when the signal runs out (a renewal moves `seen` and starts a new timer)
    const timer = setTimeout(() => setExpired(seen), Math.max(seen + CUSTOMER_TYPING_MS - Date.now(), 0) + 10)
    return () => clearTimeout(timer)
  }, [seen])
  return seen > 0 && expired !== seen
}
