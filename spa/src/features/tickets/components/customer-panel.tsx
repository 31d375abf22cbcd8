import { useTranslation } from 'react-i18next'
import { useLabel } from '../../../lib/format'
import type { CustomerSummary } from '../types'
import { TierBadge } from './badges'

/** Who the customer is, as the API shows it (email and phone arrive already masked where policy says so). */
export function CustomerPanel({ customer, customerId }: { customer?: CustomerSummary | null; customerId: string }) {
  const { t } = useTranslation()
  const label = useLabel()
  const tier = customer?.tier ?? 'normal'
  return (
    <section className="panel customer-panel" aria-labelledby="customer-panel-title" data-testid="customer-panel">
      <h2 id="customer-panel-title">{t('customer.title')}</h2>
      <p className="customer-name">
        <span data-testid="customer-name">{customer?.name || t('customer.unnamed')}</span>
        <TierBadge tier={tier} />
      </p>
      <dl className="details">
        <dt>{t('customer.email')}</dt>
        <dd>{customer?.email || <span className="muted">—</span>}</dd>
        <dt>{t('customer.phone')}</dt>
        <dd>{customer?.phone || <span className="muted">—</span>}</dd>
        {customer?.locale && (
          <>
            <dt>{t('customer.language')}</dt>
            <dd>{customer.locale}</dd>
          </>
        )}
        <dt>{t('customer.id')}</dt>
        <dd className="mono">{customer?.id ?? customerId}</dd>
      </dl>
      {customer?.tags && customer.tags.length > 0 && (
        <ul className="tags" aria-label={t('ticket.tags')}>
          {customer.tags.map((tag) => (
            <li key={tag} className="tag">
              {tag}
            </li>
          ))}
        </ul>
      )}
      {customer?.identities && customer.identities.length > 0 && (
        <>
          <h3>{t('customer.channels')}</h3>
          <ul className="identities" data-testid="customer-identities">
            {customer.identities.map((identity) => (
              <li key={`${identity.channel}:${identity.external_id}`}>
                <span className="badge channel">{label('channel', identity.channel)}</span>
                <span className="mono">{identity.external_id}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}
