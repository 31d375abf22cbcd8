import { formatDateTime, formatFullDateTime, humanize } from '../../../lib/format'
import type { TicketEvent } from '../types'

function describe(event: TicketEvent): string {
  const data = event.data ?? {}
  const from = typeof data.from === 'string' ? data.from : null
  const to = typeof data.to === 'string' ? data.to : null
  if (event.type === 'status_changed' && to) return `Status ${from ? `${humanize(from)} → ` : '→ '}${humanize(to)}`
  if (event.type === 'updated' && typeof data.field === 'string') {
    const show = (v: unknown) => (Array.isArray(v) ? v.join(', ') || '(none)' : typeof v === 'string' ? humanize(v) : '—')
    return `${humanize(data.field)}: ${show(data.from)} → ${show(data.to)}`
  }
  return humanize(event.type)
}

export function EventList({ events }: { events: TicketEvent[] }) {
  if (events.length === 0) return null
  const latestFirst = [...events].reverse()
  return (
    <section className="panel events" aria-label="Activity">
      <details>
        <summary>
          <h2>Activity ({events.length})</h2>
        </summary>
        <ol>
          {latestFirst.map((event) => (
            <li key={event.id}>
              <span>{describe(event)}</span>
              <span className="muted">
                {event.actor_type ? `${humanize(event.actor_type)}${event.actor_id ? ` ${event.actor_id}` : ''} · ` : ''}
                <time dateTime={event.created_at} title={formatFullDateTime(event.created_at)}>
                  {formatDateTime(event.created_at)}
                </time>
              </span>
            </li>
          ))}
        </ol>
      </details>
    </section>
  )
}
