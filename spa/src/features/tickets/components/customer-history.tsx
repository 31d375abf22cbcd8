import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import { useFormatters } from '../../../lib/format'
import { useCustomer } from '../api/get-customer'
import { ChannelBadge, StatusBadge } from './badges'

/** The customer's other tickets, on every channel: what they asked before, so they need not say it again. */
export function CustomerHistory({ customerId, currentTicketId }: { customerId: string; currentTicketId: string }) {
  const { t } = useTranslation()
  const format = useFormatters()
  const customer = useCustomer(customerId)
  const earlier = (customer.data?.tickets ?? []).filter((ticket) => ticket.id !== currentTicketId)
  return (
    <section className="panel customer-history" aria-labelledby="customer-history-title" data-testid="customer-history">
      <h2 id="customer-history-title">{t('customer.history')}</h2>
      {customer.isPending ? (
        <p className="muted">{t('common.loading')}</p>
      ) : customer.isError ? (
        <p className="muted">{customer.error.message}</p>
      ) : earlier.length === 0 ? (
        <p className="muted">{t('customer.noHistory')}</p>
      ) : (
        <ul className="history">
          {earlier.map((ticket) => (
            <li key={ticket.id} data-testid="history-item">
              <Link to={`/tickets/${encodeURIComponent(ticket.id)}`}>
                {ticket.subject || ticket.last_message_preview || t('inbox.noSubject')}
              </Link>
              <span className="history-meta">
                <ChannelBadge channel={ticket.channel} />
                <StatusBadge status={ticket.status} />
                <time dateTime={ticket.created_at} title={format.fullDateTime(ticket.created_at)}>
                  {format.dateTime(ticket.created_at)}
                </time>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
