import { useTranslation } from 'react-i18next'
import { useFormatters, useLabel } from '../../../lib/format'
import type { Sla } from '../types'

export function StatusBadge({ status }: { status: string }) {
  const label = useLabel()
  return (
    <span className={`badge status-${status}`} data-testid="ticket-status" data-status={status}>
      {label('status', status)}
    </span>
  )
}

export function PriorityBadge({ priority }: { priority: string }) {
  const label = useLabel()
  return <span className={`badge priority-${priority}`}>{label('priority', priority)}</span>
}

export function ChannelBadge({ channel }: { channel: string }) {
  const label = useLabel()
  return (
    <span className={`badge channel channel-${channel}`} data-testid="channel-badge">
      {label('channel', channel)}
    </span>
  )
}

export function TierBadge({ tier }: { tier: string }) {
  const label = useLabel()
  return (
    <span className={`badge tier tier-${tier}`} data-testid="customer-tier">
      {label('tier', tier)}
    </span>
  )
}

/** Within this long of its deadline an SLA turns amber; past it, red. */
export const SLA_SOON_MS = 10 * 60_000

/** The next SLA deadline that still matters: first response until answered, then resolution. */
export function SlaDue({ sla, answered, status }: { sla?: Sla | null; answered: boolean; status: string }) {
  const { t } = useTranslation()
  const format = useFormatters()
  if (!sla || status === 'resolved' || status === 'closed') return <span className="muted">—</span>
  const dueAt = answered ? sla.resolution_due_at : (sla.first_response_due_at ?? sla.resolution_due_at)
  const due = format.due(dueAt)
  if (!due) return sla.breached ? <span className="sla overdue">{t('sla.breached')}</span> : <span className="muted">—</span>
  const late = due.overdue || sla.breached
  const soon = !late && due.ms < SLA_SOON_MS
  const state = late ? 'overdue' : soon ? 'soon' : 'ok'
  return (
    <span className={`sla ${state}`} data-testid="sla-due" data-sla={state} title={format.fullDateTime(dueAt)}>
      {sla.breached && !due.overdue ? `${t('sla.breached')} · ` : ''}
      {due.text}
    </span>
  )
}
