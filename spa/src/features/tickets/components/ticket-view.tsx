import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import { useNavigate } from 'react-router'
import { Alert } from '../../../components/ui/alert'
import { Spinner } from '../../../components/ui/spinner'
import { ApiError } from '../../../lib/api-client'
import { useFormatters, useLabel } from '../../../lib/format'
import { useShortcuts } from '../../../lib/shortcuts'
import { useAgentNames } from '../api/get-agents'
import { useTicket } from '../api/get-ticket'
import { useMarkRead } from '../api/thread'
import { useUpdateTicket } from '../api/update-ticket'
import { nextTicketId } from '../inbox-order'
import { useCustomerTyping } from '../typing'
import { shortId } from '../types'
import { ChannelBadge, PriorityBadge, SlaDue, StatusBadge } from './badges'
import { Conversation } from './conversation'
import { CustomerHistory } from './customer-history'
import { CustomerNotes } from './customer-notes'
import { CustomerOrders } from './customer-orders'
import { CustomerPanel } from './customer-panel'
import { EscalateButton } from './escalate-button'
import { EventList } from './event-list'
import { ReplyBox } from './reply-box'
import { TicketControls } from './ticket-controls'
import { TransferPanel } from './transfer-panel'

function truncate(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

type Props = { ticketId: string; currentAgentId?: string; roles?: string[] }

export function TicketView({ ticketId, currentAgentId, roles = [] }: Props) {
  const { t } = useTranslation()
  const label = useLabel()
  const format = useFormatters()
  const navigate = useNavigate()
  const query = useTicket(ticketId)
  const { name: agentName, agents } = useAgentNames(currentAgentId)
  const resolve = useUpdateTicket()
  const replyRef = useRef<HTMLTextAreaElement>(null)
  const transferRef = useRef<HTMLSelectElement>(null)

  const ticket = query.data
  const customerTyping = useCustomerTyping(ticketId)
  const markRead = useMarkRead()
  const { mutate: markReadUpTo } = markRead
  // Opening the ticket reads it: up to the newest customer message shown (per agent, kept by the API).
  const newestFromCustomer = ticket?.messages?.filter((m) => m.author_type === 'customer').at(-1)?.created_at
  const unread = ticket?.unread === true
  useEffect(() => {
    if (unread && newestFromCustomer) markReadUpTo({ ticketId, upTo: newestFromCustomer })
  }, [ticketId, unread, newestFromCustomer, markReadUpTo])
  const canResolve = ticket?.status === 'pending' || ticket?.status === 'in_progress'
  const doResolve = () => {
    if (ticket && canResolve && !resolve.isPending) resolve.mutate({ ticketId: ticket.id, changes: { status: 'resolved' } })
  }
  const goNext = () => {
    const next = nextTicketId(ticketId)
    navigate(next ? `/tickets/${encodeURIComponent(next)}` : '/')
  }
  useShortcuts(
    {
      r: () => replyRef.current?.focus(),
      n: goNext,
      e: doResolve,
      t: () => transferRef.current?.focus(),
    },
    Boolean(ticket),
  )

  if (!ticket) {
    if (!query.isError) return <Spinner label={t('ticket.loading')} />
    const notFound = query.error instanceof ApiError && query.error.status === 404
    return <Alert>{notFound ? t('ticket.notFound') : query.error.message}</Alert>
  }

  const name = ticket.customer?.name || ticket.customer_name || t('customer.fallback', { id: shortId(ticket.customer_id) })
  const messages = ticket.messages ?? []
  // Chats have no subject: the customer's opening words say what the ticket is about.
  const opening = messages.find((m) => m.author_type === 'customer' && m.body.trim())?.body
  const title = ticket.subject || (opening ? truncate(opening, 120) : t('ticket.conversationWith', { name }))
  return (
    <div className="ticket-view" data-testid="ticket-view" data-ticket-id={ticket.id}>
      <div className="ticket-main">
        <header className="ticket-header">
          <h1 data-testid="ticket-subject">{title}</h1>
          <div className="ticket-meta">
            <StatusBadge status={ticket.status} />
            <PriorityBadge priority={ticket.priority} />
            <ChannelBadge channel={ticket.channel} />
            <span className="muted">{label('ticketType', ticket.type)}</span>
            {(ticket.escalation_level ?? 0) > 0 && (
              <span className="badge escalated">{t('ticket.escalated', { level: ticket.escalation_level })}</span>
            )}
            <span className="muted" title={format.fullDateTime(ticket.created_at)}>
              #{ticket.id}
            </span>
            <span className="muted">
              {t('ticket.sla')} <SlaDue sla={ticket.sla} answered={Boolean(ticket.first_response_at)} status={ticket.status} />
            </span>
          </div>
          <div className="ticket-actions" role="toolbar" aria-label={t('ticket.actions')}>
            <button
              type="button"
              className="button"
              data-testid="resolve-button"
              aria-keyshortcuts="E"
              disabled={!canResolve || resolve.isPending}
              onClick={doResolve}
            >
              {t('ticket.resolve')} <kbd>E</kbd>
            </button>
            <button type="button" className="button" data-testid="next-ticket" aria-keyshortcuts="N" onClick={goNext}>
              {t('ticket.next')} <kbd>N</kbd>
            </button>
            <EscalateButton ticketId={ticket.id} disabled={ticket.status === 'closed' || ticket.status === 'resolved'} />
          </div>
          {resolve.error && (
            <Alert onDismiss={() => resolve.reset()} testId="ticket-update-error">
              {resolve.error.message}
            </Alert>
          )}
          {query.isRefetchError && (
            // Keep showing the last good copy; the next poll tries again.
            <Alert tone="info">{t('ticket.refreshFailed', { error: query.error.message })}</Alert>
          )}
        </header>
        <Conversation messages={messages} customerName={name} agentName={agentName} />
        <div className="typing-indicator" role="status" aria-live="polite" data-testid="customer-typing">
          {customerTyping ? t('thread.customerTyping') : ''}
        </div>
        <ReplyBox
          ref={replyRef}
          ticketId={ticket.id}
          notesOnly={ticket.status === 'closed'}
          notesOnlyReason={t('reply.closedHint')}
          outboundMedia={ticket.outbound_media}
        />
      </div>
      <aside className="ticket-side" aria-label={t('ticket.sidebar')}>
        <TransferPanel
          ref={transferRef}
          ticket={ticket}
          currentAgentId={currentAgentId}
          canOverrideCapacity={roles.includes('supervisor') || roles.includes('admin')}
        />
        <TicketControls ticket={ticket} />
        <CustomerPanel customer={ticket.customer} customerId={ticket.customer_id} />
        <CustomerNotes
          customerId={ticket.customer?.id ?? ticket.customer_id}
          currentAgentId={currentAgentId}
          canDeleteAny={roles.includes('supervisor') || roles.includes('admin')}
          agentName={agentName}
          knownAgentIds={agents.map((agent) => agent.id)}
        />
        <CustomerOrders customerId={ticket.customer?.id ?? ticket.customer_id} />
        <CustomerHistory customerId={ticket.customer?.id ?? ticket.customer_id} currentTicketId={ticket.id} />
        <EventList events={ticket.events ?? []} agentName={agentName} />
      </aside>
    </div>
  )
}
