import { useState, type FormEvent } from 'react'
import { Alert } from '../../../components/ui/alert'
import { humanize } from '../../../lib/format'
import { useUpdateTicket, type TicketChanges } from '../api/update-ticket'
import { PRIORITIES, TICKET_STATUSES, TICKET_TYPES, type Priority, type Ticket, type TicketStatus } from '../types'

type Props = { ticket: Ticket }

/** Status, priority, type and tags. The API decides which status moves are legal and says why when not. */
export function TicketControls({ ticket }: Props) {
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
    <section className="panel ticket-controls" aria-label="Ticket properties">
      <h2>Ticket</h2>
      {update.error && (
        <Alert onDismiss={() => update.reset()} testId="ticket-update-error">
          {update.error.message}
        </Alert>
      )}
      <div className="field-grid">
        <label htmlFor="ticket-status">Status</label>
        <select
          id="ticket-status"
          data-testid="status-select"
          value={pending?.status ?? ticket.status}
          disabled={update.isPending}
          onChange={(e) => change({ status: e.target.value as TicketStatus })}
        >
          {TICKET_STATUSES.map((status) => (
            <option key={status} value={status}>
              {humanize(status)}
            </option>
          ))}
        </select>

        <label htmlFor="ticket-priority">Priority</label>
        <select
          id="ticket-priority"
          data-testid="priority-select"
          value={pending?.priority ?? ticket.priority}
          disabled={update.isPending}
          onChange={(e) => change({ priority: e.target.value as Priority })}
        >
          {PRIORITIES.map((priority) => (
            <option key={priority} value={priority}>
              {humanize(priority)}
            </option>
          ))}
        </select>

        <label htmlFor="ticket-type">Type</label>
        <select
          id="ticket-type"
          data-testid="type-select"
          value={pending?.type ?? ticket.type}
          disabled={update.isPending}
          onChange={(e) => change({ type: e.target.value })}
        >
          {types.map((type) => (
            <option key={type} value={type}>
              {humanize(type)}
            </option>
          ))}
        </select>
      </div>

      <div className="tags" aria-label="Tags">
        {ticket.tags.map((tag) => (
          <span key={tag} className="tag" data-testid="ticket-tag">
            {tag}
            <button
              type="button"
              aria-label={`Remove tag ${tag}`}
              disabled={update.isPending}
              onClick={() => change({ tags: ticket.tags.filter((t) => t !== tag) })}
            >
              ×
            </button>
          </span>
        ))}
        <form onSubmit={addTag} className="tag-form">
          <input
            aria-label="Add tag"
            placeholder="Add tag…"
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
