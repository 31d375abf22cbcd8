import { formatAgo, formatFullDateTime, humanize } from '../../../lib/format'
import { agentLabel, customerLabel, type Ticket } from '../types'
import { ChannelBadge, PriorityBadge, SlaDue, StatusBadge } from './badges'

const isOpen = (ticket: Ticket) => ticket.status === 'pending' || ticket.status === 'in_progress'

type Props = {
  tickets: Ticket[]
  currentAgentId?: string
  onOpen: (ticket: Ticket) => void
}

export function TicketTable({ tickets, currentAgentId, onOpen }: Props) {
  if (tickets.length === 0) {
    return (
      <p className="empty" data-testid="inbox-empty">
        No tickets here.
      </p>
    )
  }
  return (
    <table className="ticket-table" data-testid="ticket-table">
      <thead>
        <tr>
          <th scope="col">Subject</th>
          <th scope="col">Channel</th>
          <th scope="col">Customer</th>
          <th scope="col">Priority</th>
          <th scope="col">Status</th>
          <th scope="col">Assignee</th>
          <th scope="col">SLA due</th>
          <th scope="col">Updated</th>
        </tr>
      </thead>
      <tbody>
        {tickets.map((ticket) => {
          const title = ticket.subject || ticket.last_message_preview || '(no subject)'
          const preview =
            ticket.subject && ticket.last_message_preview !== ticket.subject ? ticket.last_message_preview : null
          return (
            <tr
              key={ticket.id}
              data-testid="ticket-row"
              data-ticket-id={ticket.id}
              data-status={ticket.status}
              className={`ticket-row ${ticket.sla?.breached && isOpen(ticket) ? 'breached' : ''}`}
              tabIndex={0}
              onClick={() => onOpen(ticket)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault()
                  onOpen(ticket)
                }
              }}
            >
              <td className="subject-cell">
                <a
                  href={`#/tickets/${encodeURIComponent(ticket.id)}`}
                  className="subject"
                  onClick={(e) => e.stopPropagation()}
                >
                  {title}
                </a>
                {preview && <span className="preview">{preview}</span>}
              </td>
              <td>
                <ChannelBadge channel={ticket.channel} />
              </td>
              <td className="customer-cell" title={ticket.customer_id}>
                {customerLabel(ticket)}
              </td>
              <td>
                <PriorityBadge priority={ticket.priority} />
              </td>
              <td>
                <StatusBadge status={ticket.status} />
              </td>
              <td className="assignee-cell">
                {ticket.assignee ? (
                  <span title={ticket.assignee} className={ticket.assignee === currentAgentId ? 'me' : undefined}>
                    {agentLabel(ticket.assignee, currentAgentId)}
                  </span>
                ) : (
                  <span className="muted">Unassigned</span>
                )}
                {ticket.team && <span className="preview">{humanize(ticket.team)}</span>}
              </td>
              <td>
                <SlaDue sla={ticket.sla} answered={Boolean(ticket.first_response_at)} status={ticket.status} />
              </td>
              <td title={formatFullDateTime(ticket.updated_at)}>{formatAgo(ticket.updated_at)}</td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}
