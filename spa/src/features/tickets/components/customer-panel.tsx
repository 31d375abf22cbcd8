import { useId, useRef, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Alert } from '../../../components/ui/alert'
import { useMe } from '../../auth/api/get-me'
import { useLabel } from '../../../lib/format'
import { REVEAL_CONTACTS, useRevealContacts, type Revealed, type RevealField } from '../api/reveal-contacts'
import type { CustomerSummary } from '../types'
import { TierBadge } from './badges'

/** Who the customer is, as the API shows it: phone numbers, emails and the channel ids made of them arrive
 * masked for every role. A caller with the reveal permission may ask for the whole values with a reason (the
 * API audits it); they are kept in this component only, so they are gone once the ticket is left. */
export function CustomerPanel({ customer, customerId }: { customer?: CustomerSummary | null; customerId: string }) {
  const { t } = useTranslation()
  const label = useLabel()
  const me = useMe()
  const tier = customer?.tier ?? 'normal'
  const [revealed, setRevealed] = useState<Revealed | null>(null)
  const shown = revealed && revealed.customer_id === customer?.id ? revealed : null
  const email = shown?.email ?? customer?.email
  const phone = shown?.phone ?? customer?.phone
  const identities = shown?.identities ?? customer?.identities ?? []
  const fields: RevealField[] = [
    ...(customer?.phone ? (['phone'] as const) : []),
    ...(customer?.email ? (['email'] as const) : []),
    ...(customer?.identities?.length ? (['identities'] as const) : []),
  ]
  const canReveal = Boolean(customer && me.data?.permissions?.includes(REVEAL_CONTACTS) && fields.length > 0)
  return (
    <section className="panel customer-panel" aria-labelledby="customer-panel-title" data-testid="customer-panel">
      <h2 id="customer-panel-title">{t('customer.title')}</h2>
      <p className="customer-name">
        <span data-testid="customer-name">{customer?.name || t('customer.unnamed')}</span>
        <TierBadge tier={tier} />
      </p>
      <dl className="details">
        <dt>{t('customer.email')}</dt>
        <dd data-testid="customer-email">{email || <span className="muted">—</span>}</dd>
        <dt>{t('customer.phone')}</dt>
        <dd data-testid="customer-phone">{phone || <span className="muted">—</span>}</dd>
        {customer?.locale && (
          <>
            <dt>{t('customer.language')}</dt>
            <dd>{customer.locale}</dd>
          </>
        )}
        <dt>{t('customer.id')}</dt>
        <dd className="mono">{customer?.id ?? customerId}</dd>
      </dl>
      {canReveal && customer && !shown && <RevealContacts customerId={customer.id} fields={fields} onRevealed={setRevealed} />}
      {shown && (
        <p className="muted" role="status" data-testid="reveal-done">
          {t('reveal.revealed')}
        </p>
      )}
      {customer?.tags && customer.tags.length > 0 && (
        <ul className="tags" aria-label={t('ticket.tags')}>
          {customer.tags.map((tag) => (
            <li key={tag} className="tag">
              {tag}
            </li>
          ))}
        </ul>
      )}
      {identities.length > 0 && (
        <>
          <h3>{t('customer.channels')}</h3>
          <ul className="identities" data-testid="customer-identities">
            {identities.map((identity) => (
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

/** The "Reveal" button and the reason it asks for. */
function RevealContacts({
  customerId,
  fields,
  onRevealed,
}: {
  customerId: string
  fields: RevealField[]
  onRevealed: (revealed: Revealed) => void
}) {
  const { t } = useTranslation()
  const id = useId()
  const [open, setOpen] = useState(false)
  const [reason, setReason] = useState('')
  const reveal = useRevealContacts(customerId)
  const button = useRef<HTMLButtonElement>(null)

  const close = () => {
    setOpen(false)
    button.current?.focus()
  }
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!reason.trim() || reveal.isPending) return
    reveal.mutate({ fields, reason: reason.trim() }, { onSuccess: onRevealed })
  }

  return (
    <div className="reveal-contacts">
      <button
        ref={button}
        type="button"
        className="button"
        aria-expanded={open}
        aria-controls={id}
        aria-label={t('reveal.buttonLabel')}
        onClick={() => setOpen(!open)}
        data-testid="reveal-button"
      >
        {t('reveal.button')}
      </button>
      {open && (
        <form id={id} className="escalate-form" onSubmit={submit} aria-label={t('reveal.title')} data-testid="reveal-form">
          <p className="muted">{t('reveal.hint')}</p>
          {reveal.error && <Alert onDismiss={() => reveal.reset()}>{reveal.error.message}</Alert>}
          <label htmlFor={`${id}-reason`}>{t('reveal.reason')}</label>
          <textarea
            id={`${id}-reason`}
            required
            maxLength={500}
            rows={2}
            autoFocus
            value={reason}
            placeholder={t('reveal.reasonPlaceholder')}
            onChange={(e) => setReason(e.target.value)}
            onKeyDown={(e) => e.key === 'Escape' && close()}
            data-testid="reveal-reason"
          />
          <div className="form-actions">
            <button type="submit" className="button primary" disabled={!reason.trim() || reveal.isPending} data-testid="reveal-submit">
              {reveal.isPending ? t('reveal.revealing') : t('reveal.submit')}
            </button>
            <button type="button" className="button" onClick={close}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
    </div>
  )
}
