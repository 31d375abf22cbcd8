import { infiniteQueryOptions, keepPreviousData, useInfiniteQuery } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import { usePollingInterval } from '../../../lib/use-realtime'
import type { Page, Priority, Ticket, TicketStatus, Tier } from '../types'

export type TicketFilters = {
  status: TicketStatus | 'all'
  /** "me", "unassigned", or empty for everyone's tickets. */
  assignee: '' | 'me' | 'unassigned'
  team: string
  priority: Priority | ''
  channel: string
  tier: Tier | ''
  q: string
}

export const NO_FILTERS: TicketFilters = {
  status: 'all',
  assignee: '',
  team: '',
  priority: '',
  channel: '',
  tier: '',
  q: '',
}

export const INBOX_REFRESH_MS = 5_000

export function getTickets(filters: TicketFilters, cursor: string | null, signal?: AbortSignal) {
  return api.get<Page<Ticket>>(
    '/tickets',
    {
      status: filters.status === 'all' ? undefined : filters.status,
      assignee: filters.assignee || undefined,
      team: filters.team || undefined,
      priority: filters.priority || undefined,
      channel: filters.channel || undefined,
      tier: filters.tier || undefined,
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
  // pushes refresh the list while the WebSocket is live; polling only when it is not (lib/use-realtime.ts)
  const refetchInterval = usePollingInterval(INBOX_REFRESH_MS)
  return useInfiniteQuery({
    ...ticketsQueryOptions(filters),
    refetchInterval,
    // Keep showing the old rows while a new filter loads, instead of flashing an empty table.
    placeholderData: keepPreviousData,
  })
}
