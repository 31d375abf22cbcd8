import { describeDue, humanize } from '../../../lib/format'
import { channelLabel } from '../channels'
import type { Sla } from '../types'

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge status-${status}`} data-testid="ticket-status">
      {humanize(status)}
    </span>
  )
}

export function PriorityBadge({ priority }: { priority: string }) {
  return <span className={`badge priority-${priority}`}>{humanize(priority)}</span>
}

export function ChannelBadge({ channel }: { channel: string }) {
  return <span className={`badge channel channel-${channel}`}>{channelLabel(channel)}</span>
}

/** The next SLA deadline that still matters: first response until answered, then resolution. */
export function SlaDue({ sla, answered, status }: { sla?: Sla | null; answered: boolean; status: string }) {
  if (!sla || status === 'resolved' || status === 'closed') return <span className="muted">—</span>
  const dueAt = answered ? sla.resolution_due_at : (sla.first_response_due_at ?? sla.resolution_due_at)
  const due = describeDue(dueAt)
  if (!due) return sla.breached ? <span className="sla overdue">Breached</span> : <span className="muted">—</span>
  const late = due.overdue || sla.breached
  return (
    <span className={`sla ${late ? 'overdue' : ''}`} title={dueAt ?? undefined}>
      {sla.breached && !due.overdue ? 'Breached · ' : ''}
      {due.text}
    </span>
  )
}
