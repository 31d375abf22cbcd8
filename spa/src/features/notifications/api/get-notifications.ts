import { useQuery } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'

/** `GET /api/v1/notifications`: SLA warnings and escalations for the caller and the caller's teams. */
export type Notification = {
  id: string
  kind: 'sla_warning' | 'escalated' | string
  recipient: string
  ticket_id: string
  subject?: string | null
  target?: string | null
  level: number
  reason?: string | null
  due_at?: string | null
  created_at: string
}

export const NOTIFICATIONS_REFRESH_MS = 30_000

export function useNotifications() {
  return useQuery({
    queryKey: ['notifications'],
    queryFn: ({ signal }) => api.get<{ items: Notification[] }>('/notifications', undefined, signal),
    refetchInterval: NOTIFICATIONS_REFRESH_MS,
    staleTime: 10_000,
  })
}

const SEEN_KEY = 'kefu.notifications.seen'

/** The newest notification time the agent has opened the list at (on this device). */
export const seenStore = {
  get: (): string => localStorage.getItem(SEEN_KEY) ?? '',
  set: (iso: string) => localStorage.setItem(SEEN_KEY, iso),
}

export const unseenCount = (items: Notification[], seen: string) => items.filter((n) => n.created_at > seen).length
