import { humanize } from '../../../lib/format'
import type { CustomerSummary } from '../types'
import { channelLabel } from '../channels'

/** Who the customer is, as the API shows it (email and phone arrive already masked where policy says so). */
export function CustomerPanel({ customer, customerId }: { customer?: CustomerSummary | null; customerId: string }) {
  const tier = customer?.tier ?? 'normal'
  return (
    <section className="panel customer-panel" aria-label="Customer" data-testid="customer-panel">
      <h2>Customer</h2>
      <p className="customer-name">
        <span data-testid="customer-name">{customer?.name || 'Unnamed customer'}</span>
        <span className={`badge tier tier-${tier}`} data-testid="customer-tier">
          {tier === 'vip' ? 'VIP' : humanize(tier)}
        </span>
      </p>
      <dl className="details">
        <dt>Email</dt>
        <dd>{customer?.email || <span className="muted">—</span>}</dd>
        <dt>Phone</dt>
        <dd>{customer?.phone || <span className="muted">—</span>}</dd>
        {customer?.locale && (
          <>
            <dt>Language</dt>
            <dd>{customer.locale}</dd>
          </>
        )}
        <dt>ID</dt>
        <dd className="mono">{customer?.id ?? customerId}</dd>
      </dl>
      {customer?.tags && customer.tags.length > 0 && (
        <div className="tags">
          {customer.tags.map((tag) => (
            <span key={tag} className="tag">
              {tag}
            </span>
          ))}
        </div>
      )}
      {customer?.identities && customer.identities.length > 0 && (
        <>
          <h3>Channels</h3>
          <ul className="identities" data-testid="customer-identities">
            {customer.identities.map((identity) => (
              <li key={`${identity.channel}:${identity.external_id}`}>
                <span className="badge channel">{channelLabel(identity.channel)}</span>
                <span className="mono">{identity.external_id}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}
