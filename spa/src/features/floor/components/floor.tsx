import '../../../styles/workspace.css'
import { useTranslation } from 'react-i18next'
import { Alert } from '../../../components/ui/alert'
import { Spinner } from '../../../components/ui/spinner'
import { humanize, useFormatters, useLabel } from '../../../lib/format'
import { FLOOR_REFRESH_MS, loadShare, useLiveMetrics, type KbFigures, type RoutingFigures, type SlaFigures } from '../api/get-live-metrics'

type Props = { agentName: (id: string) => string }

function useSeconds() {
  const { i18n } = useTranslation()
  const format = useFormatters()
  const seconds = new Intl.NumberFormat(i18n.language, { style: 'unit', unit: 'second', unitDisplay: 'short', maximumFractionDigits: 0 })
  return (value: number | null | undefined): string => {
    if (value === null || value === undefined) return '—'
    return value < 60 ? seconds.format(Math.round(value)) : format.duration(value * 1000)
  }
}

function Stat({ label, value, tone, testId }: { label: string; value: string | number; tone?: 'warn' | 'bad'; testId?: string }) {
  return (
    <div className={`stat ${tone ?? ''}`} data-testid={testId}>
      <span className="muted">{label}</span>
      <strong>{value}</strong>
    </div>
  )
}

/** Horizontal bars drawn in SVG (no chart library), with the numbers also written as text. */
function BarChart({ title, rows }: { title: string; rows: { label: string; value: number }[] }) {
  const { t } = useTranslation()
  if (rows.length === 0) return <p className="muted">{t('floor.noData')}</p>
  const max = Math.max(...rows.map((r) => r.value), 1)
  const rowHeight = 24
  const labelWidth = 130
  const width = 360
  return (
    <figure>
      <svg className="bar-chart" width={width} height={rows.length * rowHeight} viewBox={`0 0 ${width} ${rows.length * rowHeight}`} role="img" aria-label={title} data-testid="floor-chart">
        {rows.map((row, i) => {
          const barWidth = ((width - labelWidth - 40) * row.value) / max
          return (
            <g key={row.label} transform={`translate(0 ${i * rowHeight})`}>
              <text x={0} y={16}>{row.label}</text>
              <rect x={labelWidth} y={5} width={Math.max(barWidth, row.value > 0 ? 2 : 0)} height={14} rx={3} />
              <text x={labelWidth + barWidth + 6} y={16}>{row.value}</text>
            </g>
          )
        })}
      </svg>
      <figcaption className="visually-hidden">{title}</figcaption>
    </figure>
  )
}

function Routing({ routing, agentName }: { routing: RoutingFigures; agentName: (id: string) => string }) {
  const { t } = useTranslation()
  const label = useLabel()
  const seconds = useSeconds()
  const kind = (value: string) => (['chat', 'ticket', 'voice', 'email'].includes(value) ? t(`floor.kinds.${value as 'chat'}`) : humanize(value))
  const waiting = routing.teams.reduce((sum, team) => sum + team.waiting, 0)
  const longest = Math.max(0, ...routing.teams.map((team) => team.longest_wait_seconds ?? 0))
  return (
    <>
      <section className="panel" aria-labelledby="floor-queues">
        <h2 id="floor-queues">{t('floor.queues')}</h2>
        <div className="stat-row">
          <Stat label={t('floor.agentsOnline')} value={routing.agents_online} testId="floor-agents-online" />
          <Stat label={t('floor.totalWaiting')} value={waiting} tone={waiting > 0 ? 'warn' : undefined} testId="floor-waiting" />
          <Stat label={t('floor.longestWait')} value={seconds(longest || null)} tone={longest > 600 ? 'bad' : longest > 120 ? 'warn' : undefined} />
        </div>
        <BarChart title={t('floor.waitingChart')} rows={routing.teams.map((team) => ({ label: label('team', team.team), value: team.waiting }))} />
        {routing.queues.length > 0 && (
          <table className="floor-table" data-testid="floor-queue-table">
            <thead>
              <tr>
                <th scope="col">{t('floor.team')}</th>
                <th scope="col">{t('floor.kind')}</th>
                <th scope="col">{t('floor.waiting')}</th>
                <th scope="col">{t('floor.longestWait')}</th>
              </tr>
            </thead>
            <tbody>
              {routing.queues.map((queue) => (
                <tr key={`${queue.team}:${queue.kind}`}>
                  <td>{label('team', queue.team)}</td>
                  <td>{kind(queue.kind)}</td>
                  <td>{queue.waiting}</td>
                  <td>{seconds(queue.longest_wait_seconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="panel" aria-labelledby="floor-agents">
        <h2 id="floor-agents">{t('floor.agents')}</h2>
        {routing.agents.length === 0 ? (
          <p className="muted">{t('floor.noData')}</p>
        ) : (
          <table className="floor-table" data-testid="floor-agent-table">
            <thead>
              <tr>
                <th scope="col">{t('floor.agent')}</th>
                <th scope="col">{t('floor.team')}</th>
                <th scope="col">{t('floor.load')}</th>
              </tr>
            </thead>
            <tbody>
              {routing.agents.map((agent) => {
                const { load, capacity, share } = loadShare(agent)
                return (
                  <tr key={agent.id} data-testid="floor-agent">
                    <td>{agentName(agent.id)}</td>
                    <td>{agent.teams.map((team) => label('team', team)).join(', ')}</td>
                    <td>
                      <svg className={`meter ${share === 1 ? 'full' : ''}`} viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                        <rect x={0} y={0} width={Math.round((share ?? 0) * 100)} height={10} />
                      </svg>{' '}
                      {t('floor.loadOf', { load, capacity })}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        )}
        {routing.assignments_today.length > 0 && (
          <>
            <h3>{t('floor.assignments')}</h3>
            <table className="floor-table">
              <thead>
                <tr>
                  <th scope="col">{t('floor.team')}</th>
                  <th scope="col">{t('floor.assigned')}</th>
                  <th scope="col">{t('floor.avgWait')}</th>
                </tr>
              </thead>
              <tbody>
                {routing.assignments_today.map((row) => (
                  <tr key={row.team ?? '*'}>
                    <td>{row.team ? label('team', row.team) : t('views.all')}</td>
                    <td>{row.assigned}</td>
                    <td>{seconds(row.average_wait_seconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
    </>
  )
}

function Sla({ sla }: { sla: SlaFigures }) {
  const { t } = useTranslation()
  const label = useLabel()
  const seconds = useSeconds()
  return (
    <section className="panel" aria-labelledby="floor-sla">
      <h2 id="floor-sla">{t('floor.sla')}</h2>
      <div className="stat-row">
        <Stat label={t('floor.atRisk')} value={sla.at_risk} tone={sla.at_risk > 0 ? 'warn' : undefined} testId="floor-at-risk" />
        <Stat label={t('floor.breachesToday')} value={sla.breaches_today} tone={sla.breaches_today > 0 ? 'bad' : undefined} testId="floor-breaches" />
        <Stat label={t('floor.firstResponses')} value={sla.first_responses_today} />
        <Stat label={t('floor.avgFirstResponse')} value={seconds(sla.average_first_response_seconds)} />
      </div>
      {sla.teams.length > 0 && (
        <table className="floor-table">
          <thead>
            <tr>
              <th scope="col">{t('floor.team')}</th>
              <th scope="col">{t('floor.atRisk')}</th>
              <th scope="col">{t('floor.breachesToday')}</th>
              <th scope="col">{t('floor.avgFirstResponse')}</th>
            </tr>
          </thead>
          <tbody>
            {sla.teams.map((team) => (
              <tr key={team.team}>
                <td>{label('team', team.team)}</td>
                <td>{team.at_risk}</td>
                <td>{team.breaches_today}</td>
                <td>{seconds(team.average_first_response_seconds)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function Bot({ kb }: { kb: KbFigures }) {
  const { t, i18n } = useTranslation()
  const percent = new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 0 })
  const rate = (value: number | null) => (value === null ? '—' : percent.format(value))
  const reasons = Object.entries(kb.bot_handoffs_by_reason)
  const reasonName = (key: string) =>
    ['requested', 'not_solved', 'turn_limit', 'low_confidence'].includes(key) ? t(`floor.reasonNames.${key as 'requested'}`) : humanize(key)
  return (
    <section className="panel" aria-labelledby="floor-bot">
      <h2 id="floor-bot">{t('floor.bot')}</h2>
      <div className="stat-row">
        <Stat label={t('floor.botConversations')} value={kb.bot_conversations} testId="floor-bot-conversations" />
        <Stat label={t('floor.botAnswers')} value={kb.bot_answers} />
        <Stat label={t('floor.botResolved')} value={kb.bot_resolved_confirmed_by_customer} />
        <Stat label={t('floor.botHandoffs')} value={kb.bot_handoffs} />
        <Stat label={t('floor.resolutionRate')} value={rate(kb.bot_resolution_rate)} />
        <Stat label={t('floor.handoffRate')} value={rate(kb.handoff_rate)} />
        <Stat label={t('floor.helpful')} value={kb.helpful_votes} />
        <Stat label={t('floor.notHelpful')} value={kb.not_helpful_votes} />
      </div>
      {reasons.length > 0 && <BarChart title={t('floor.reasons')} rows={reasons.map(([key, value]) => ({ label: reasonName(key), value }))} />}
    </section>
  )
}

/** The live floor for supervisors and admins: whatever sections GET /metrics/live sends, refreshed every 5 s. */
export function Floor({ agentName }: Props) {
  const { t } = useTranslation()
  const format = useFormatters()
  const query = useLiveMetrics()
  const data = query.data
  return (
    <div className="floor-page" data-testid="floor" data-generated-at={data?.generated_at}>
      <header>
        <h1>{t('floor.title')}</h1>
        <p className="muted" aria-live="off">
          {data && (
            <span data-testid="floor-updated" title={format.fullDateTime(data.generated_at)}>
              {t('floor.updated', { when: format.dateTime(data.generated_at) })}
            </span>
          )}{' '}
          · {t('floor.refreshing', { seconds: FLOOR_REFRESH_MS / 1000 })}
        </p>
      </header>
      {query.isError && (data ? <Alert tone="info">{t('floor.stale', { error: query.error.message })}</Alert> : <Alert>{query.error.message}</Alert>)}
      {query.isPending && <Spinner label={t('common.loading')} />}
      {data && (
        <div className="floor-grid">
          {data.routing && <Routing routing={data.routing} agentName={agentName} />}
          {data.sla && <Sla sla={data.sla} />}
          {data.kb && <Bot kb={data.kb} />}
        </div>
      )}
    </div>
  )
}
