import { useState, type FormEvent } from 'react'
import { useLabel } from '../../../lib/format'
import { shortId } from '../../tickets/types'
import { CHANNELS } from '../api'
import { LOOKUP_KINDS, useFindCustomers, type CustomerLookup } from '../api/find-customers'
import { useAdminTranslation } from '../i18n'
import { SelectField, TextField } from './fields'
import { ListState } from './list-state'

type Kind = (typeof LOOKUP_KINDS)[number]

/** Find a customer by the phone number, email or channel id a caller gives (exact match, masked results); a
 * result opens like a recent customer. */
export function CustomerSearch({ selected, onOpen }: { selected: string; onOpen: (id: string) => void }) {
  const { t } = useAdminTranslation()
  const label = useLabel()
  const [kind, setKind] = useState<Kind>('phone')
  const [channel, setChannel] = useState(CHANNELS[0])
  const [value, setValue] = useState('')
  const [lookup, setLookup] = useState<CustomerLookup | null>(null)
  const found = useFindCustomers(lookup)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const typed = value.trim()
    if (!typed) return
    setLookup(kind === 'channel' ? { kind, channel, value: typed } : { kind, value: typed })
  }

  return (
    <section className="admin-section" aria-labelledby="customer-search-title" data-testid="customer-search">
      <h3 id="customer-search-title">{t('customers.search.title')}</h3>
      <p className="muted">{t('customers.search.hint')}</p>
      <form className="form-row" onSubmit={submit} role="search" aria-labelledby="customer-search-title">
        <SelectField id="customer-search-kind" label={t('customers.search.by')} value={kind} onChange={setKind} options={LOOKUP_KINDS} optionLabel={(k) => t(`customers.search.kinds.${k}`)} testId="customer-search-kind" />
        {kind === 'channel' && <SelectField id="customer-search-channel" label={t('customers.search.channel')} value={channel} onChange={setChannel} options={CHANNELS} optionLabel={(c) => label('channel', c)} testId="customer-search-channel" />}
        <TextField
          id="customer-search-value"
          label={t('customers.search.value')}
          value={value}
          onChange={setValue}
          hint={t(`customers.search.hints.${kind}`)}
          type={kind === 'email' ? 'email' : kind === 'phone' ? 'tel' : 'text'}
          maxLength={kind === 'email' ? 320 : kind === 'phone' ? 64 : 512}
          autoComplete="off"
          spellCheck={false}
          testId="customer-search-value"
        />
        <button type="submit" className="button primary" disabled={!value.trim()} data-testid="customer-search-submit">
          {t('customers.search.submit')}
        </button>
      </form>
      {lookup && (
        <ListState query={found} items={found.data?.items} empty={t('customers.search.none')}>
          {(items) => (
            <ul className="chip-list" aria-label={t('customers.search.results')} data-testid="found-customers">
              {items.map((c) => (
                <li key={c.id}>
                  <button type="button" className="button" aria-pressed={selected === c.id} onClick={() => onOpen(c.id)} data-testid={`found-customer-${c.id}`}>
                    {c.name || t('customers.unnamed', { id: shortId(c.id) })} <span className="muted">· {[c.phone, c.email].filter(Boolean).join(' · ') || (c.identities ?? []).map((i) => label('channel', i.channel)).join(', ')}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </ListState>
      )}
    </section>
  )
}
