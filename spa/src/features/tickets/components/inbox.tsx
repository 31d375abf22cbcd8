import { useEffect, useMemo, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import { Alert } from '../../../components/ui/alert'
import { Spinner } from '../../../components/ui/spinner'
import { useShortcuts } from '../../../lib/shortcuts'
import { useAgentNames } from '../api/get-agents'
import { useTickets, type TicketFilters } from '../api/get-tickets'
import { rememberInboxOrder } from '../inbox-order'
import type { Ticket } from '../types'
import { SavedViews } from './saved-views'
import { TicketFiltersBar } from './ticket-filters'
import { TicketTable } from './ticket-table'

type Props = {
  filters: TicketFilters
  onFiltersChange: (next: TicketFilters) => void
  onOpen: (ticket: Ticket) => void
  currentAgentId?: string
}

export function Inbox({ filters, onFiltersChange, onOpen, currentAgentId }: Props) {
  const { t } = useTranslation()
  const query = useTickets(filters)
  const { name, agents } = useAgentNames(currentAgentId)
  const tickets = useMemo(() => query.data?.pages.flatMap((page) => page.items) ?? [], [query.data])
  const teams = useMemo(() => [...new Set(agents.flatMap((agent) => agent.teams))].sort(), [agents])
  const wrap = useRef<HTMLDivElement>(null)

  useEffect(() => rememberInboxOrder(tickets.map((ticket) => ticket.id)), [tickets])

  // j / k move between rows (Enter opens), as in mail apps.
  const move = (step: number) => {
    const rows = Array.from(wrap.current?.querySelectorAll<HTMLTableRowElement>('tr[data-ticket-id]') ?? [])
    if (rows.length === 0) return
    const at = rows.findIndex((row) => row === document.activeElement)
    const next = at < 0 ? 0 : Math.min(Math.max(at + step, 0), rows.length - 1)
    rows[next]?.focus()
  }
  useShortcuts({ j: () => move(1), k: () => move(-1), n: () => move(1) })

  return (
    <section className="inbox" aria-labelledby="inbox-title">
      <h1 id="inbox-title" className="visually-hidden">
        {t('nav.inbox')}
      </h1>
      <SavedViews value={filters} onChange={onFiltersChange} />
      <TicketFiltersBar value={filters} onChange={onFiltersChange} teams={teams} />
      {query.isError && !query.data && <Alert>{query.error.message}</Alert>}
      {query.isRefetchError && query.data && (
        <Alert tone="info">{t('inbox.refreshFailed', { error: query.error?.message })}</Alert>
      )}
      {query.isPending ? (
        <Spinner label={t('inbox.loading')} />
      ) : (
        query.data && (
          <div ref={wrap} className={`table-wrap ${query.isPlaceholderData ? 'stale' : ''}`}>
            <TicketTable tickets={tickets} currentAgentId={currentAgentId} agentName={name} onOpen={onOpen} />
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
            {query.isFetchingNextPage ? t('common.loading') : t('inbox.loadMore')}
          </button>
        </div>
      )}
    </section>
  )
}
