import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Alert } from '../../../components/ui/alert'
import { useLabel, type LabelGroup } from '../../../lib/format'
import { useUpdateTicket, type TicketChanges } from '../api/update-ticket'
import { PRIORITIES, TICKET_STATUSES, TICKET_TYPES, type Ticket } from '../types'

type Props = { ticket: Ticket }

/** Status, priority, type and tags. The API decides which status moves are legal and says why when not. */
export function TicketControls({ ticket }: Props) {
  const { t } = useTranslation()
  const update = useUpdateTicket()
  const [newTag, setNewTag] = useState('')
  const change = (changes: TicketChanges) => update.mutate({ ticketId: ticket.id, changes })
  const types = TICKET_TYPES.includes(ticket.type as (typeof TICKET_TYPES)[number])
    ? [...TICKET_TYPES]
    : [...TICKET_TYPES, ticket.type]
  // While a change is in flight, show what the agent picked rather than the old value.
  const pending = update.isPending ? update.variables?.changes : undefined

  const addTag = (event: FormEvent) => {
    event.preventDefault()
    const tag = newTag.trim()
    if (!tag || ticket.tags.includes(tag)) return setNewTag('')
    update.mutate({ ticketId: ticket.id, changes: { tags: [...ticket.tags, tag] } }, { onSuccess: () => setNewTag('') })
  }

  return (
    <section className="panel ticket-controls" aria-labelledby="ticket-controls-title">
      <h2 id="ticket-controls-title">{t('ticket.properties')}</h2>
      {update.error && (
        <Alert onDismiss={() => update.reset()} testId="ticket-update-error">
          {update.error.message}
        </Alert>
      )}
      <div className="field-grid">
        <PropertySelect id="ticket-status" testId="status-select" title={t('ticket.status')} group="status" options={TICKET_STATUSES} value={pending?.status ?? ticket.status} disabled={update.isPending} onChange={(status) => change({ status })} />
        <PropertySelect id="ticket-priority" testId="priority-select" title={t('ticket.priority')} group="priority" options={PRIORITIES} value={pending?.priority ?? ticket.priority} disabled={update.isPending} onChange={(priority) => change({ priority })} />
        <PropertySelect id="ticket-type" testId="type-select" title={t('ticket.type')} group="ticketType" options={types} value={pending?.type ?? ticket.type} disabled={update.isPending} onChange={(type) => change({ type })} />
      </div>

      <div className="tags" role="group" aria-label={t('ticket.tags')}>
        {ticket.tags.map((tag) => (
          <span key={tag} className="tag" data-testid="ticket-tag">
            {tag}
            <button
              type="button"
              aria-label={t('ticket.removeTag', { tag })}
              disabled={update.isPending}
              onClick={() => change({ tags: ticket.tags.filter((x) => x !== tag) })}
            >
              ×
            </button>
          </span>
        ))}
        <form onSubmit={addTag} className="tag-form">
          <input
            aria-label={t('ticket.addTag')}
            placeholder={t('ticket.addTagPlaceholder')}
            data-testid="tag-input"
            value={newTag}
            onChange={(e) => setNewTag(e.target.value)}
            disabled={update.isPending}
          />
        </form>
      </div>
    </section>
  )
}

type PropertySelectProps<T extends string> = {
  id: string
  testId: string
  title: string
  /** Which labels name the options. */
  group: LabelGroup
  options: readonly T[]
  value: T
  disabled: boolean
  onChange: (value: T) => void
}

/** One of the ticket's properties as a label and a select of its values (the two cells of a field-grid row). */
function PropertySelect<T extends string>({ id, testId, title, group, options, value, disabled, onChange }: PropertySelectProps<T>) {
  const label = useLabel()
  return (
    <>
      <label htmlFor={id}>{title}</label>
      <select id={id} data-testid={testId} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value as T)}>
        {options.map((option) => (
          <option key={option} value={option}>
            {label(group, option)}
          </option>
        ))}
      </select>
    </>
  )
}
