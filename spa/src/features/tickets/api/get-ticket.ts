import { queryOptions, useQuery } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import { usePollingInterval } from '../../../lib/use-realtime'
import type { TicketDetail } from '../types'

export const THREAD_REFRESH_MS = 3_000

export function getTicket(id: string, signal?: AbortSignal): Promise<TicketDetail> {
  return api.get<TicketDetail>(`/tickets/${encodeURIComponent(id)}`, undefined, signal)
}

export const ticketQueryKey = (id: string) => ['tickets', 'detail', id] as const

export function ticketQueryOptions(id: string) {
  return queryOptions({ queryKey: ticketQueryKey(id), queryFn: ({ signal }) => getTicket(id, signal) })
}

export function useTicket(id: string) {
  return useQuery({ ...ticketQueryOptions(id), refetchInterval: usePollingInterval(THREAD_REFRESH_MS) })
}
