import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Alert } from '../../../components/ui/alert'
import { useLabel } from '../../../lib/format'
import { useUpdateTicket, type TicketChanges } from '../api/update-ticket'
import { PRIORITIES, TICKET_STATUSES, TICKET_TYPES, type Priority, type Ticket, type TicketStatus } from '../types'

type Props = { ticket: Ticket }

/** Status, priority, type and tags. The API decides which status moves are legal and says why when not. */
export function TicketControls({ ticket }: Props) {
  const { t } = useTranslation()
  const label = useLabel()
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
        <label htmlFor="ticket-status">{t('ticket.status')}</label>
        <select
          id="ticket-status"
          data-testid="status-select"
          value={pending?.status ?? ticket.status}
          disabled={update.isPending}
          onChange={(e) => change({ status: e.target.value as TicketStatus })}
        >
          {TICKET_STATUSES.map((status) => (
            <option key={status} value={status}>
              {label('status', status)}
            </option>
          ))}
        </select>

        <label htmlFor="ticket-priority">{t('ticket.priority')}</label>
        <select
          id="ticket-priority"
          data-testid="priority-select"
          value={pending?.priority ?? ticket.priority}
          disabled={update.isPending}
          onChange={(e) => change({ priority: e.target.value as Priority })}
        >
          {PRIORITIES.map((priority) => (
            <option key={priority} value={priority}>
              {label('priority', priority)}
            </option>
          ))}
        </select>

        <label htmlFor="ticket-type">{t('ticket.type')}</label>
        <select
          id="ticket-type"
          data-testid="type-select"
          value={pending?.type ?? ticket.type}
          disabled={update.isPending}
          onChange={(e) => change({ type: e.target.value })}
        >
          {types.map((type) => (
            <option key={type} value={type}>
              {label('ticketType', type)}
            </option>
          ))}
        </select>
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
