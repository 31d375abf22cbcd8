import { infiniteQueryOptions, keepPreviousData, useInfiniteQuery } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import type { Page, Priority, Ticket, TicketStatus } from '../types'

export type TicketFilters = {
  status: TicketStatus | 'all'
  /** "me", an agent id, or empty for everyone's tickets. */
  assignee: string
  priority: Priority | ''
  q: string
}

export const INBOX_REFRESH_MS = 5_000

export function getTickets(filters: TicketFilters, cursor: string | null, signal?: AbortSignal) {
  return api.get<Page<Ticket>>(
    '/tickets',
    {
      status: filters.status === 'all' ? undefined : filters.status,
      assignee: filters.assignee || undefined,
      priority: filters.priority || undefined,
      q: filters.q || undefined,
      cursor: cursor ?? undefined,
    },
    signal,
  )
}

export function ticketsQueryOptions(filters: TicketFilters) {
  return infiniteQueryOptions({
    queryKey: ['tickets', 'list', filters],
    queryFn: ({ pageParam, signal }) => getTickets(filters, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  })
}

export function useTickets(filters: TicketFilters) {
  return useInfiniteQuery({
    ...ticketsQueryOptions(filters),
    refetchInterval: INBOX_REFRESH_MS,
    // Keep showing the old rows while a new filter loads, instead of flashing an empty table.
    placeholderData: keepPreviousData,
  })
}
