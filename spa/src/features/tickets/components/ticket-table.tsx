import '../../../styles/thread.css'
import { useTranslation } from 'react-i18next'
import { useFormatters, useLabel } from '../../../lib/format'
import { shortId, type Ticket } from '../types'
import { ChannelBadge, PriorityBadge, SlaDue, StatusBadge, TierBadge } from './badges'

const isOpen = (ticket: Ticket) => ticket.status === 'pending' || ticket.status === 'in_progress'

type Props = {
  tickets: Ticket[]
  currentAgentId?: string
  agentName: (id: string) => string
  onOpen: (ticket: Ticket) => void
}

export function TicketTable({ tickets, currentAgentId, agentName, onOpen }: Props) {
  const { t } = useTranslation()
  const label = useLabel()
  const format = useFormatters()
  if (tickets.length === 0) {
    return (
      <p className="empty" data-testid="inbox-empty">
        {t('inbox.empty')}
      </p>
    )
  }
  return (
    <table className="ticket-table" data-testid="ticket-table">
      <caption className="visually-hidden">{t('inbox.caption')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('inbox.columns.subject')}</th>
          <th scope="col">{t('inbox.columns.channel')}</th>
          <th scope="col">{t('inbox.columns.customer')}</th>
          <th scope="col">{t('inbox.columns.priority')}</th>
          <th scope="col">{t('inbox.columns.status')}</th>
          <th scope="col">{t('inbox.columns.assignee')}</th>
          <th scope="col">{t('inbox.columns.sla')}</th>
          <th scope="col">{t('inbox.columns.updated')}</th>
        </tr>
      </thead>
      <tbody>
        {tickets.map((ticket) => {
          const title = ticket.subject || ticket.last_message_preview || t('inbox.noSubject')
          const preview =
            ticket.subject && ticket.last_message_preview !== ticket.subject ? ticket.last_message_preview : null
          const customer = ticket.customer?.name || ticket.customer_name || t('customer.fallback', { id: shortId(ticket.customer_id) })
          const tier = ticket.customer_tier ?? ticket.customer?.tier
          return (
            <tr
              key={ticket.id}
              data-testid="ticket-row"
              data-ticket-id={ticket.id}
              data-status={ticket.status}
              data-unread={ticket.unread ? 'true' : 'false'}
              className={`ticket-row ${ticket.sla?.breached && isOpen(ticket) ? 'breached' : ''} ${ticket.unread ? 'unread' : ''}`}
              tabIndex={0}
              aria-label={ticket.unread ? t('thread.unreadTicket', { title }) : title}
              onClick={() => onOpen(ticket)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault()
                  onOpen(ticket)
                }
              }}
            >
              <td className="subject-cell">
                {ticket.unread && (
                  <span className="unread-dot" role="img" aria-label={t('thread.unread')} data-testid="unread-marker" />
                )}
                <a
                  href={`#/tickets/${encodeURIComponent(ticket.id)}`}
                  className="subject"
                  tabIndex={-1}
                  onClick={(e) => e.stopPropagation()}
                >
                  {title}
                </a>
                {preview && <span className="preview">{preview}</span>}
              </td>
              <td>
                <ChannelBadge channel={ticket.channel} />
              </td>
              <td className="customer-cell">
                {customer}
                {tier && tier !== 'normal' && <TierBadge tier={tier} />}
              </td>
              <td>
                <PriorityBadge priority={ticket.priority} />
              </td>
              <td>
                <StatusBadge status={ticket.status} />
              </td>
              <td className="assignee-cell" data-testid="ticket-assignee-cell">
                {ticket.assignee ? (
                  <span className={ticket.assignee === currentAgentId ? 'me' : undefined}>{agentName(ticket.assignee)}</span>
                ) : (
                  <span className="muted">{t('agents.unassigned')}</span>
                )}
                {ticket.team && <span className="preview">{label('team', ticket.team)}</span>}
              </td>
              <td>
                <SlaDue sla={ticket.sla} answered={Boolean(ticket.first_response_at)} status={ticket.status} />
              </td>
              <td>
                <time dateTime={ticket.updated_at} title={format.fullDateTime(ticket.updated_at)}>
                  {format.ago(ticket.updated_at)}
                </time>
              </td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}
