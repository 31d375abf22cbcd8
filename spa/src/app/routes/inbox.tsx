import { useCallback, useMemo } from 'react'
import { useNavigate, useSearchParams } from 'react-router'
import { useMe } from '../../features/auth/api/get-me'
import type { TicketFilters } from '../../features/tickets/api/get-tickets'
import { Inbox } from '../../features/tickets/components/inbox'
import { PRIORITIES, TICKET_STATUSES, type Priority, type TicketStatus } from '../../features/tickets/types'

// Filters live in the URL so a reload or the back button keeps them.
function filtersFrom(params: URLSearchParams): TicketFilters {
  const status = params.get('status') ?? 'all'
  const priority = params.get('priority') ?? ''
  return {
    status: (TICKET_STATUSES as readonly string[]).includes(status) ? (status as TicketStatus) : 'all',
    assignee: params.get('assignee') ?? '',
    priority: (PRIORITIES as readonly string[]).includes(priority) ? (priority as Priority) : '',
    q: params.get('q') ?? '',
  }
}

export function InboxRoute() {
  const [params, setParams] = useSearchParams()
  const navigate = useNavigate()
  const me = useMe()
  const filters = useMemo(() => filtersFrom(params), [params])
  const setFilters = useCallback(
    (next: TicketFilters) => {
      const search = new URLSearchParams()
      if (next.status !== 'all') search.set('status', next.status)
      if (next.assignee) search.set('assignee', next.assignee)
      if (next.priority) search.set('priority', next.priority)
      if (next.q) search.set('q', next.q)
      setParams(search, { replace: true })
    },
    [setParams],
  )
  return (
    <Inbox
      filters={filters}
      onFiltersChange={setFilters}
      onOpen={(ticket) => navigate(`/tickets/${encodeURIComponent(ticket.id)}`)}
      currentAgentId={me.data?.id}
    />
  )
}
