import { Alert } from '../../../components/ui/alert'
import { Spinner } from '../../../components/ui/spinner'
import { ApiError } from '../../../lib/api-client'
import { formatFullDateTime, humanize } from '../../../lib/format'
import { useTicket } from '../api/get-ticket'
import { agentLabel, customerLabel } from '../types'
import { ChannelBadge, PriorityBadge, SlaDue, StatusBadge } from './badges'
import { Conversation } from './conversation'
import { CustomerPanel } from './customer-panel'
import { EventList } from './event-list'
import { ReplyBox } from './reply-box'
import { TicketControls } from './ticket-controls'

function truncate(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

type Props = { ticketId: string; currentAgentId?: string }

export function TicketView({ ticketId, currentAgentId }: Props) {
  const query = useTicket(ticketId)

  const ticket = query.data
  if (!ticket) {
    if (!query.isError) return <Spinner label="Loading ticket…" />
    const notFound = query.error instanceof ApiError && query.error.status === 404
    return <Alert>{notFound ? 'This ticket does not exist or you cannot see it.' : query.error.message}</Alert>
  }

  const name = customerLabel(ticket)
  const messages = ticket.messages ?? []
  // Chats have no subject: the customer's opening words say what the ticket is about.
  const opening = messages.find((m) => m.author_type === 'customer' && m.body.trim())?.body
  const title = ticket.subject || (opening ? truncate(opening, 120) : `Conversation with ${name}`)
  return (
    <div className="ticket-view" data-testid="ticket-view" data-ticket-id={ticket.id}>
      <div className="ticket-main">
        <header className="ticket-header">
          <h1 data-testid="ticket-subject">{title}</h1>
          <div className="ticket-meta">
            <StatusBadge status={ticket.status} />
            <PriorityBadge priority={ticket.priority} />
            <ChannelBadge channel={ticket.channel} />
            <span className="muted">{humanize(ticket.type)}</span>
            {(ticket.escalation_level ?? 0) > 0 && (
              <span className="badge escalated">Escalated L{ticket.escalation_level}</span>
            )}
            <span className="muted" title={formatFullDateTime(ticket.created_at)}>
              #{ticket.id}
            </span>
            <span className="muted">
              SLA: <SlaDue sla={ticket.sla} answered={Boolean(ticket.first_response_at)} status={ticket.status} />
            </span>
          </div>
          {query.isRefetchError && (
            // Keep showing the last good copy; the next poll tries again.
            <Alert tone="info">Could not refresh: {query.error.message}. Retrying…</Alert>
          )}
        </header>
        <Conversation messages={messages} customerName={name} currentAgentId={currentAgentId} />
        <ReplyBox
          ticketId={ticket.id}
          notesOnly={ticket.status === 'closed'}
          notesOnlyReason="Closed: notes only. The customer's next message opens a new ticket."
        />
      </div>
      <aside className="ticket-side">
        <TicketControls ticket={ticket} />
        <CustomerPanel customer={ticket.customer} customerId={ticket.customer_id} />
        <section className="panel" aria-label="Assignment">
          <h2>Assignment</h2>
          <dl className="details">
            <dt>Assignee</dt>
            <dd data-testid="ticket-assignee" title={ticket.assignee ?? undefined}>
              {ticket.assignee ? agentLabel(ticket.assignee, currentAgentId) : <span className="muted">Unassigned</span>}
            </dd>
            <dt>Team</dt>
            <dd>{ticket.team ? humanize(ticket.team) : <span className="muted">—</span>}</dd>
            <dt>Inbox</dt>
            <dd>{ticket.inbox}</dd>
          </dl>
        </section>
        <EventList events={ticket.events ?? []} />
      </aside>
    </div>
  )
}
