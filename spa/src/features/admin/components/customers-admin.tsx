import { useMemo, useState, type FormEvent } from 'react'
import { Link } from 'react-router'
import { Alert } from '../../../components/ui/alert'
import { Spinner } from '../../../components/ui/spinner'
import { useFormatters, useLabel } from '../../../lib/format'
import { shortId } from '../../tickets/types'
import { ULID, useCustomer, useMerge, useRecentTickets, useSuggestions, useUnmerge, type Customer, type Merge } from '../api'
import { useAdminTranslation } from '../i18n'
import { CustomerSearch } from './customer-search'
import { TextField } from './fields'
import { ListState } from './list-state'

const nameOf = (c: Pick<Customer, 'id' | 'name' | 'email' | 'phone'> | undefined, id: string, unnamed: (id: string) => string) =>
  c?.name || c?.email || c?.phone || unnamed(shortId(id))

/** Customers (supervisors and admins): find one, see their identities and possible duplicates, merge two into
 * one with a reason (audited), and undo a merge. */
export function CustomersAdmin() {
  const { t } = useAdminTranslation()
  const [typed, setTyped] = useState('')
  const [selected, setSelected] = useState('')
  const recent = useRecentTickets()
  const customers = useMemo(() => {
    const seen = new Map<string, { id: string; name?: string | null; channel: string; subject?: string | null }>()
    for (const ticket of recent.data?.items ?? []) {
      if (!seen.has(ticket.customer_id)) seen.set(ticket.customer_id, { id: ticket.customer_id, name: ticket.customer_name ?? ticket.customer?.name, channel: ticket.channel, subject: ticket.subject })
    }
    return [...seen.values()].slice(0, 20)
  }, [recent.data])
  const label = useLabel()
  const idError = typed && !ULID.test(typed) ? t('customers.badId') : null

  const find = (event: FormEvent) => {
    event.preventDefault()
    if (ULID.test(typed)) setSelected(typed)
  }

  return (
    <div className="admin-stack customers-admin" data-testid="admin-customers">
      <section className="admin-section" aria-labelledby="customers-title">
        <h2 id="customers-title">{t('customers.title')}</h2>
        <p className="muted">{t('customers.hint')}</p>
        <CustomerSearch selected={selected} onOpen={(id) => { setSelected(id); setTyped(id) }} />
        <form className="form-row" onSubmit={find} role="search" aria-label={t('customers.find')}>
          <TextField id="customer-find" label={t('customers.find')} value={typed} onChange={(v) => setTyped(v.trim().toUpperCase())} maxLength={26} hint={t('customers.findHint')} error={idError} className="mono" testId="customer-find" autoComplete="off" spellCheck={false} />
          <button type="submit" className="button primary" disabled={!ULID.test(typed)} data-testid="customer-open">
            {t('customers.open')}
          </button>
        </form>
        <h3>{t('customers.recent')}</h3>
        <ListState query={recent} items={recent.data && customers} empty={t('customers.noRecent')}>
          {(items) => (
            <ul className="chip-list" data-testid="recent-customers">
              {items.map((c) => (
                <li key={c.id}>
                  <button type="button" className="button" aria-pressed={selected === c.id} onClick={() => { setSelected(c.id); setTyped(c.id) }} data-testid={`recent-customer-${c.id}`}>
                    {c.name || t('customers.unnamed', { id: shortId(c.id) })} <span className="muted">· {label('channel', c.channel)}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </ListState>
      </section>
      {selected && <CustomerCard key={selected} id={selected} onOpen={(id) => { setSelected(id); setTyped(id) }} />}
    </div>
  )
}

function CustomerCard({ id, onOpen }: { id: string; onOpen: (id: string) => void }) {
  const { t } = useAdminTranslation()
  const label = useLabel()
  const format = useFormatters()
  const customer = useCustomer(id)
  const suggestions = useSuggestions(id)
  const merge = useMerge()
  const unmerge = useUnmerge()
  const [pending, setPending] = useState<{ source: string; target: string } | null>(null)
  const [reason, setReason] = useState('')
  const [other, setOther] = useState('')
  const [done, setDone] = useState<Merge | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const unnamed = (x: string) => t('customers.unnamed', { id: x })

  if (customer.isPending) return <Spinner />
  if (customer.isError) return <Alert>{customer.error.message}</Alert>
  const c = customer.data
  const me = nameOf(c, c.id, unnamed)

  const ask = (source: string, target: string) => {
    merge.reset()
    setReason('')
    setPending({ source, target })
  }
  const confirm = (event: FormEvent) => {
    event.preventDefault()
    if (!pending || !reason.trim()) return
    merge.mutate(
      { source_id: pending.source, target_id: pending.target, reason: reason.trim() },
      {
        onSuccess: (record) => {
          setPending(null)
          setDone(record)
          setNotice(t('customers.merged', { count: record.identities.length, target: record.target_id === c.id ? me : shortId(record.target_id) }))
          if (record.target_id !== c.id) onOpen(record.target_id)
        },
      },
    )
  }
  const undo = (mergeId: string, source: string) =>
    unmerge.mutate(mergeId, {
      onSuccess: () => {
        setDone(null)
        setNotice(t('customers.unmerged', { source: shortId(source) }))
      },
    })

  return (
    <section className="admin-section panel" aria-labelledby="customer-card-title" data-testid="customer-card">
      <h2 id="customer-card-title">{me}</h2>
      <p className="mono muted">{c.id}</p>
      {notice && <Alert tone="info" onDismiss={() => setNotice(null)} testId="customer-notice">{notice}</Alert>}
      {unmerge.error && <Alert onDismiss={() => unmerge.reset()}>{unmerge.error.message}</Alert>}
      {c.merged_into && (
        <div className="alert alert-info" role="status" data-testid="customer-tombstone">
          <span>{t('customers.tombstone', { target: shortId(c.merged_into) })}</span>
          <span className="alert-buttons">
            <button type="button" className="button" onClick={() => onOpen(c.merged_into ?? '')}>
              {t('customers.open')} {shortId(c.merged_into)}
            </button>
            {c.merge_id && (
              <button type="button" className="button" disabled={unmerge.isPending} onClick={() => undo(c.merge_id ?? '', c.id)} aria-label={t('customers.unmergeNamed', { id: shortId(c.merge_id) })} data-testid="customer-unmerge">
                {t('customers.unmerge')}
              </button>
            )}
          </span>
        </div>
      )}
      {done && !done.undone_at && (
        <div className="alert alert-info" role="status" data-testid="last-merge">
          <span>
            {t('customers.lastMerge')}: {shortId(done.source_id)} → {shortId(done.target_id)} ({done.identities.map((i) => label('channel', i.channel)).join(', ')})
          </span>
          <button type="button" className="button" disabled={unmerge.isPending} onClick={() => undo(done.merge_id, done.source_id)} aria-label={t('customers.unmergeNamed', { id: shortId(done.merge_id) })} data-testid="merge-undo">
            {t('customers.unmerge')}
          </button>
        </div>
      )}
      <div className="customer-columns">
        <div>
          <h3>{t('customers.profile')}</h3>
          <dl className="details">
            <div><dt>{t('customers.name')}</dt><dd>{c.name || '—'}</dd></div>
            <div><dt>{t('customers.email')}</dt><dd>{c.email || '—'}</dd></div>
            <div><dt>{t('customers.phone')}</dt><dd>{c.phone || '—'}</dd></div>
            <div><dt>{t('customers.tier')}</dt><dd>{label('tier', c.tier)}</dd></div>
            <div><dt>{t('customers.organization')}</dt><dd>{c.organization || '—'}</dd></div>
          </dl>
          <h3>{t('customers.identities')}</h3>
          <ul className="plain-list" data-testid="customer-identities">
            {c.identities.map((i) => (
              <li key={`${i.channel}:${i.external_id}`}>
                <span className="badge">{label('channel', i.channel)}</span> <span className="mono">{i.external_id}</span>
              </li>
            ))}
          </ul>
          {c.merged_from.length > 0 && (
            <>
              <h3>{t('customers.mergedFrom')}</h3>
              <ul className="plain-list">
                {c.merged_from.map((x) => (
                  <li key={x}>
                    <button type="button" className="button link" onClick={() => onOpen(x)}>
                      {shortId(x)}
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
          <h3>{t('customers.tickets')}</h3>
          <ul className="plain-list">
            {c.tickets.slice(0, 10).map((ticket) => (
              <li key={ticket.id}>
                <Link to={`/tickets/${encodeURIComponent(ticket.id)}`}>{ticket.subject || ticket.last_message_preview || shortId(ticket.id)}</Link>{' '}
                <span className="muted">
                  {label('channel', ticket.channel)} · {format.dateTime(ticket.created_at)}
                </span>
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h3>{t('customers.suggestions')}</h3>
          <ListState query={suggestions} items={suggestions.data?.items} empty={t('customers.noSuggestions')}>
            {(items) => (
              <ul className="plain-list" data-testid="customer-suggestions">
                {items.map((s) => (
                  <li key={s.customer_id} className="suggestion">
                    <SuggestedName id={s.customer_id} unnamed={unnamed} />
                    <span className="muted block">
                      {t('customers.key', { kind: s.key_kind, value: s.key_value })} · {t(`customers.reasons.${s.reason}` as 'customers.reasons.declared_contact', { defaultValue: s.reason })}
                    </span>
                    {!c.merged_into && (
                      <span className="alert-buttons">
                        <button type="button" className="button" onClick={() => ask(s.customer_id, c.id)} data-testid={`merge-here-${s.customer_id}`}>
                          {t('customers.mergeHere')}
                        </button>
                        <button type="button" className="button" onClick={() => ask(c.id, s.customer_id)}>
                          {t('customers.mergeThere')}
                        </button>
                        <button type="button" className="button link" onClick={() => onOpen(s.customer_id)}>
                          {t('customers.open')}
                        </button>
                      </span>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </ListState>
          {!c.merged_into && !pending && (
            <form
              className="admin-form"
              onSubmit={(e) => {
                e.preventDefault()
                if (ULID.test(other)) ask(other, c.id)
              }}
            >
              <h4>{t('customers.mergeOther')}</h4>
              <TextField id="merge-other" label={t('customers.sourceId')} value={other} onChange={(v) => setOther(v.trim().toUpperCase())} maxLength={26} error={other && !ULID.test(other) ? t('customers.badId') : null} className="mono" autoComplete="off" testId="merge-other" />
              <button type="submit" className="button" disabled={!ULID.test(other)}>
                {t('customers.confirmMerge')}
              </button>
            </form>
          )}
          {pending && (
            <form className="admin-form panel" onSubmit={confirm} aria-labelledby="merge-title" data-testid="merge-form" noValidate>
              <h4 id="merge-title">{t('customers.mergeInto', { source: shortId(pending.source), target: shortId(pending.target) })}</h4>
              {merge.error && <Alert onDismiss={() => merge.reset()}>{merge.error.message}</Alert>}
              <div className="field">
                <label htmlFor="merge-reason">{t('customers.mergeReason')}</label>
                <textarea id="merge-reason" rows={2} maxLength={500} required value={reason} onChange={(e) => setReason(e.target.value)} aria-describedby="merge-reason-hint" data-testid="merge-reason" />
                <span id="merge-reason-hint" className="muted field-hint">
                  {t('customers.reasonRequired')}
                </span>
              </div>
              <div className="form-actions">
                <button type="submit" className="button primary" disabled={!reason.trim() || merge.isPending} data-testid="merge-confirm">
                  {t('customers.confirmMerge')}
                </button>
                <button type="button" className="button" onClick={() => setPending(null)}>
                  {t('cancel')}
                </button>
              </div>
            </form>
          )}
        </div>
      </div>
    </section>
  )
}

function SuggestedName({ id, unnamed }: { id: string; unnamed: (id: string) => string }) {
  const customer = useCustomer(id)
  return <strong>{nameOf(customer.data, id, unnamed)}</strong>
}
