import type { TFunction } from 'i18next'
import { useTranslation } from 'react-i18next'
import { useFormatters, useLabel, type LabelGroup } from '../../../lib/format'
import type { TicketEvent } from '../types'

type Label = (group: LabelGroup, value: string | null | undefined) => string

const str = (value: unknown): string | null => (typeof value === 'string' && value ? value : null)

function describe(event: TicketEvent, t: TFunction, label: Label, agentName: (id: string) => string): string {
  const data = event.data ?? {}
  const from = str(data.from)
  const to = str(data.to)
  if (event.type === 'status_changed' && to) {
    return from
      ? t('events.statusChanged', { from: label('status', from), to: label('status', to) })
      : t('events.statusSet', { to: label('status', to) })
  }
  if (event.type === 'updated' && typeof data.field === 'string') {
    const group: LabelGroup | null =
      data.field === 'priority' ? 'priority' : data.field === 'type' ? 'ticketType' : data.field === 'status' ? 'status' : null
    const show = (v: unknown) =>
      Array.isArray(v) ? v.join(', ') || t('events.none') : typeof v === 'string' ? (group ? label(group, v) : v) : '—'
    const field = t(`events.fields.${data.field}` as 'events.fields.priority', { defaultValue: data.field })
    return t('events.fieldChanged', { field, from: show(data.from), to: show(data.to) })
  }
  if (event.type === 'assigned') {
    const toAgent = str(data.to_agent) ?? str(data.agent_id)
    const toTeam = str(data.to_team) ?? str(data.team)
    const parts = [toAgent ? agentName(toAgent) : null, toTeam ? label('team', toTeam) : null].filter(Boolean)
    const reason = str(data.reason)
    const note = str(data.note)
    let text = parts.length ? t('events.assignedTo', { to: parts.join(' · ') }) : label('event', 'assigned')
    if (reason) text += ` (${label('event', reason)})`
    if (data.override_capacity === true) text += ` · ${label('event', 'override')}`
    return note ? `${text}: “${note}”` : text
  }
  return label('event', event.type)
}

export function EventList({ events, agentName }: { events: TicketEvent[]; agentName: (id: string) => string }) {
  const { t } = useTranslation()
  const label = useLabel()
  const format = useFormatters()
  if (events.length === 0) return null
  const latestFirst = [...events].reverse()
  const actor = (event: TicketEvent) => {
    if (event.actor_type === 'agent' && event.actor_id) return agentName(event.actor_id)
    return event.actor_type ? label('author', event.actor_type) : null
  }
  return (
    <section className="panel events" aria-labelledby="events-title">
      <details>
        <summary>
          <h2 id="events-title">{t('events.title', { count: events.length })}</h2>
        </summary>
        <ol data-testid="event-list">
          {latestFirst.map((event) => (
            <li key={event.id} data-event-type={event.type}>
              <span>{describe(event, t, label, agentName)}</span>
              <span className="muted">
                {actor(event) ? `${actor(event)} · ` : ''}
                <time dateTime={event.created_at} title={format.fullDateTime(event.created_at)}>
                  {format.dateTime(event.created_at)}
                </time>
              </span>
            </li>
          ))}
        </ol>
      </details>
    </section>
  )
}
