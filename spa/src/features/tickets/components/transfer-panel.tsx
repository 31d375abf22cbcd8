import { forwardRef, useMemo, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Alert } from '../../../components/ui/alert'
import { useLabel } from '../../../lib/format'
import { useAssignTicket } from '../api/assign-ticket'
import { agentDisplayName, useAgentNames } from '../api/get-agents'
import type { Ticket } from '../types'

type Props = {
  ticket: Ticket
  currentAgentId?: string
  /** Supervisors and admins may give a ticket to an agent who is at capacity (recorded on the ticket). */
  canOverrideCapacity?: boolean
}

const totalLoad = (load: Record<string, number>) => Object.values(load).reduce((sum, n) => sum + n, 0)

/** Who has the ticket, and handing it to another agent, another team, or both. */
export const TransferPanel = forwardRef<HTMLSelectElement, Props>(function TransferPanel({ ticket, currentAgentId, canOverrideCapacity = false }, agentRef) {
  const { t } = useTranslation()
  const label = useLabel()
  const { name, agents, error: directoryError } = useAgentNames(currentAgentId)
  const assign = useAssignTicket()
  const [agentId, setAgentId] = useState('')
  const [team, setTeam] = useState('')
  const [note, setNote] = useState('')
  const [override, setOverride] = useState(false)
  const [done, setDone] = useState<{ agentId?: string; team?: string } | null>(null)
  const closed = ticket.status === 'closed'

  const sorted = useMemo(
    () => [...agents].sort((a, b) => agentDisplayName(a).localeCompare(agentDisplayName(b))),
    [agents],
  )
  const teams = useMemo(() => {
    const all = new Set(agents.flatMap((agent) => agent.teams))
    if (ticket.team) all.add(ticket.team)
    return [...all].sort()
  }, [agents, ticket.team])

  const transfer = (to: { agentId?: string; team?: string; note?: string; overrideCapacity?: boolean }) => {
    setDone(null)
    assign.mutate(
      { ticketId: ticket.id, ...to },
      {
        onSuccess: () => {
          setDone({ agentId: to.agentId, team: to.team })
          setAgentId('')
          setTeam('')
          setNote('')
          setOverride(false)
        },
      },
    )
  }
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!agentId && !team) return
    transfer({
      agentId: agentId || undefined,
      team: team || undefined,
      note: note.trim() || undefined,
      overrideCapacity: override && Boolean(agentId),
    })
  }

  return (
    <section className="panel transfer-panel" aria-labelledby="transfer-title" data-testid="transfer-panel">
      <h2 id="transfer-title">{t('transfer.title')}</h2>
      <dl className="details">
        <dt>{t('transfer.assignee')}</dt>
        <dd data-testid="ticket-assignee" data-agent-id={ticket.assignee ?? ''}>
          {ticket.assignee ? name(ticket.assignee) : <span className="muted">{t('agents.unassigned')}</span>}
        </dd>
        <dt>{t('transfer.team')}</dt>
        <dd data-testid="ticket-team">{ticket.team ? label('team', ticket.team) : <span className="muted">—</span>}</dd>
        <dt>{t('transfer.inbox')}</dt>
        <dd>{ticket.inbox}</dd>
      </dl>
      {directoryError && <Alert tone="info">{directoryError.message}</Alert>}
      {assign.error && (
        <Alert onDismiss={() => assign.reset()} testId="transfer-error">
          {assign.error.message}
        </Alert>
      )}
      {done && (
        <p className="success" role="status" data-testid="transfer-done">
          {t('transfer.done', {
            to: [done.agentId ? name(done.agentId) : null, done.team ? label('team', done.team) : null]
              .filter(Boolean)
              .join(' · '),
          })}
        </p>
      )}
      <form onSubmit={submit} className="transfer-form">
        <label htmlFor="transfer-agent">{t('transfer.toAgent')}</label>
        <select
          id="transfer-agent"
          ref={agentRef}
          aria-keyshortcuts="T"
          data-testid="transfer-agent"
          value={agentId}
          disabled={closed || assign.isPending}
          onChange={(e) => setAgentId(e.target.value)}
        >
          <option value="">{t('transfer.keepAgent')}</option>
          {sorted.map((agent) => (
            <option key={agent.id} value={agent.id} disabled={agent.id === ticket.assignee}>
              {t('transfer.agentOption', {
                name: name(agent.id),
                presence: label('presence', agent.presence),
                count: totalLoad(agent.load),
              })}
            </option>
          ))}
        </select>
        <label htmlFor="transfer-team">{t('transfer.toTeam')}</label>
        <select
          id="transfer-team"
          data-testid="transfer-team"
          value={team}
          disabled={closed || assign.isPending}
          onChange={(e) => setTeam(e.target.value)}
        >
          <option value="">{t('transfer.keepTeam')}</option>
          {teams.map((slug) => (
            <option key={slug} value={slug} disabled={slug === ticket.team}>
              {label('team', slug)}
            </option>
          ))}
        </select>
        <label htmlFor="transfer-note">{t('transfer.note')}</label>
        <textarea
          id="transfer-note"
          data-testid="transfer-note"
          rows={2}
          maxLength={1000}
          placeholder={t('transfer.notePlaceholder')}
          value={note}
          disabled={closed || assign.isPending}
          onChange={(e) => setNote(e.target.value)}
        />
        {canOverrideCapacity && (
          <label className="checkbox">
            <input
              type="checkbox"
              data-testid="transfer-override"
              checked={override}
              disabled={closed || assign.isPending || !agentId}
              onChange={(e) => setOverride(e.target.checked)}
            />
            {t('transfer.override')}
          </label>
        )}
        <div className="form-actions">
          {currentAgentId && ticket.assignee !== currentAgentId && (
            <button
              type="button"
              className="button"
              data-testid="assign-to-me"
              disabled={closed || assign.isPending}
              onClick={() => transfer({ agentId: currentAgentId })}
            >
              {t('transfer.takeIt')}
            </button>
          )}
          <button
            type="submit"
            className="button primary"
            data-testid="transfer-submit"
            disabled={closed || assign.isPending || (!agentId && !team)}
          >
            {assign.isPending ? t('common.saving') : t('transfer.submit')}
          </button>
        </div>
        {closed && <p className="muted">{t('transfer.closed')}</p>}
      </form>
    </section>
  )
})
