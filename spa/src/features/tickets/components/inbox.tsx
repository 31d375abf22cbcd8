import { Alert } from '../../../components/ui/alert'
import { Spinner } from '../../../components/ui/spinner'
import { useTickets, type TicketFilters } from '../api/get-tickets'
import type { Ticket } from '../types'
import { TicketFiltersBar } from './ticket-filters'
import { TicketTable } from './ticket-table'

type Props = {
  filters: TicketFilters
  onFiltersChange: (next: TicketFilters) => void
  onOpen: (ticket: Ticket) => void
  currentAgentId?: string
}

export function Inbox({ filters, onFiltersChange, onOpen, currentAgentId }: Props) {
  const query = useTickets(filters)
  const tickets = query.data?.pages.flatMap((page) => page.items) ?? []

  return (
    <section className="inbox" aria-label="Inbox">
      <TicketFiltersBar value={filters} onChange={onFiltersChange} />
      {query.isError && !query.data && <Alert>{query.error.message}</Alert>}
      {query.isRefetchError && query.data && (
        <Alert tone="info">Could not refresh the inbox: {query.error?.message}. Retrying…</Alert>
      )}
      {query.isPending ? (
        <Spinner label="Loading tickets…" />
      ) : (
        query.data && (
          <div className={`table-wrap ${query.isPlaceholderData ? 'stale' : ''}`}>
            <TicketTable tickets={tickets} currentAgentId={currentAgentId} onOpen={onOpen} />
          </div>
        )
      )}
      {query.hasNextPage && (
        <div className="load-more">
          <button
            type="button"
            className="button"
            data-testid="load-more"
            onClick={() => void query.fetchNextPage()}
            disabled={query.isFetchingNextPage}
          >
            {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </section>
  )
}
