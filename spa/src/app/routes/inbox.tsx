import { useCallback, useMemo } from 'react'
import { useNavigate, useSearchParams } from 'react-router'
import { useMe } from '../../features/auth/api/get-me'
import { NO_FILTERS, type TicketFilters } from '../../features/tickets/api/get-tickets'
import { Inbox } from '../../features/tickets/components/inbox'
import { PRIORITIES, TICKET_STATUSES, TIERS, type Priority, type TicketStatus, type Tier } from '../../features/tickets/types'

const oneOf = <T extends string>(values: readonly T[], value: string | null): value is T =>
  value !== null && (values as readonly string[]).includes(value)

// Filters live in the URL so a reload or the back button keeps them.
function filtersFrom(params: URLSearchParams): TicketFilters {
  const status = params.get('status')
  const priority = params.get('priority')
  const tier = params.get('tier')
  const assignee = params.get('assignee')
  return {
    status: oneOf<TicketStatus>(TICKET_STATUSES, status) ? status : 'all',
    assignee: assignee === 'me' || assignee === 'unassigned' ? assignee : '',
    team: params.get('team') ?? '',
    priority: oneOf<Priority>(PRIORITIES, priority) ? priority : '',
    channel: params.get('channel') ?? '',
    tier: oneOf<Tier>(TIERS, tier) ? tier : '',
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
      for (const [key, value] of Object.entries(next) as [keyof TicketFilters, string][]) {
        if (value && value !== NO_FILTERS[key] && value !== 'all') search.set(key, value)
      }
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
