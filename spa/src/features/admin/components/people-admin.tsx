import { useState, type FormEvent } from 'react'
import { Alert } from '../../../components/ui/alert'
import { useLabel } from '../../../lib/format'
import { CLOCK, SKILL, SLUG, clock, durationSeconds, joinList, splitList, useAdminAgents, useSaveAgent, useSaveTeam, useTeams, type AdminAgent, type Team } from '../api'
import { useAdminTranslation } from '../i18n'
import { AdminForm } from './admin-form'
import { EditButton, NewButton } from './buttons'
import { DurationField, TextField } from './fields'
import { AdminTable, ListState } from './list-state'

const DAYS = [0, 1, 2, 3, 4, 5, 6] as const
const DATE = /^\d{4}-\d{2}-\d{2}$/
const MAX_REASSIGN = 7 * 86400

/** Agents (roles, teams, skills 1-5, capacity per kind of work) and teams (calendar, shifts, holidays,
 * reassign_after). Admins only: the API refuses supervisors these routes. */
export function PeopleAdmin() {
  const { t } = useAdminTranslation()
  const [notice, setNotice] = useState<string | null>(null)
  return (
    <div className="admin-stack" data-testid="admin-people">
      <h2 className="visually-hidden">{t('people.title')}</h2>
      {notice && <Alert tone="info" onDismiss={() => setNotice(null)}>{notice}</Alert>}
      <TeamsPanel onSaved={() => setNotice(t('saved'))} />
      <AgentsPanel onSaved={() => setNotice(t('saved'))} />
    </div>
  )
}

// ------------------------------------------------------------------------------------------------ teams

type TeamDraft = {
  isNew: boolean
  id: string
  name: string
  reassign_after: string
  hasCalendar: boolean
  timezone: string
  days: number[]
  opens: string
  closes: string
  holidays: string
  shifts: { name: string; opens: string; closes: string }[]
  relaxation?: Team['relaxation']
}

const NEW_TEAM: TeamDraft = { isNew: true, id: '', name: '', reassign_after: '', hasCalendar: false, timezone: 'Asia/Shanghai', days: [0, 1, 2, 3, 4], opens: '09:00', closes: '18:00', holidays: '', shifts: [] }

const teamDraft = (team: Team): TeamDraft => ({
  isNew: false,
  id: team.id,
  name: team.name,
  reassign_after: team.reassign_after ?? '',
  hasCalendar: Boolean(team.calendar),
  timezone: team.calendar?.timezone ?? 'Asia/Shanghai',
  days: team.calendar?.days ?? [0, 1, 2, 3, 4],
  opens: clock(team.calendar?.opens) || '09:00',
  closes: clock(team.calendar?.closes) || '18:00',
  holidays: joinList(team.calendar?.holidays),
  shifts: team.shifts.map((shift) => ({ name: shift.name, opens: clock(shift.opens), closes: clock(shift.closes) })),
  relaxation: team.relaxation,
})

function TeamsPanel({ onSaved }: { onSaved: () => void }) {
  const { t } = useAdminTranslation()
  const teams = useTeams()
  const save = useSaveTeam()
  const [draft, setDraft] = useState<TeamDraft | null>(null)

  const idError = draft?.isNew && draft.id && !SLUG.test(draft.id) ? t('invalidPattern') : null
  const reassignSeconds = draft?.reassign_after ? durationSeconds(draft.reassign_after) : null
  const reassignError = draft?.reassign_after && reassignSeconds !== null && (reassignSeconds < 1 || reassignSeconds > MAX_REASSIGN) ? t('people.reassignHint') : null
  const badHoliday = draft ? splitList(draft.holidays).find((day) => !DATE.test(day)) : undefined
  const clocks = draft ? [...(draft.hasCalendar ? [draft.opens, draft.closes] : []), ...draft.shifts.flatMap((s) => [s.opens, s.closes])] : []
  const badClock = clocks.some((value) => !CLOCK.test(value))
  const valid =
    draft &&
    SLUG.test(draft.id) &&
    draft.name.trim() &&
    (!draft.reassign_after || (reassignSeconds !== null && !reassignError)) &&
    !badHoliday &&
    !badClock &&
    draft.shifts.every((s) => s.name.trim())

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!draft || !valid) return
    save.mutate(
      {
        id: draft.id,
        team: {
          name: draft.name.trim(),
          reassign_after: draft.reassign_after || null,
          calendar: draft.hasCalendar ? { timezone: draft.timezone.trim(), days: [...draft.days].sort(), opens: draft.opens, closes: draft.closes, holidays: splitList(draft.holidays) } : null,
          shifts: draft.shifts.map((s) => ({ name: s.name.trim(), opens: s.opens, closes: s.closes })),
          ...(draft.relaxation ? { relaxation: draft.relaxation } : {}),
        },
      },
      { onSuccess: () => { setDraft(null); onSaved() } },
    )
  }
  const open = (next: TeamDraft) => {
    save.reset()
    setDraft(next)
  }
  const setShift = (index: number, change: Partial<TeamDraft['shifts'][number]>) =>
    draft && setDraft({ ...draft, shifts: draft.shifts.map((s, i) => (i === index ? { ...s, ...change } : s)) })

  return (
    <section className="admin-section" aria-labelledby="teams-title" data-testid="admin-teams">
      <h2 id="teams-title">{t('people.teams')}</h2>
      <p className="muted">{t('people.teamsHint')}</p>
      {!draft && <NewButton label={t('people.newTeam')} onClick={() => open({ ...NEW_TEAM })} testId="team-new" />}
      {draft && (
        <AdminForm name="team" title={draft.isNew ? t('people.newTeam') : t('people.editTeam', { id: draft.id })} onSubmit={submit} onCancel={() => setDraft(null)} save={save} valid={Boolean(valid)}>
          <div className="form-grid">
            <TextField id="team-id" label={t('people.teamId')} value={draft.id} onChange={(id) => setDraft({ ...draft, id: id.trim() })} disabled={!draft.isNew} required maxLength={32} error={idError} hint={t('invalidPattern')} testId="team-id" autoComplete="off" />
            <TextField id="team-name" label={t('people.teamName')} value={draft.name} onChange={(name) => setDraft({ ...draft, name })} required maxLength={100} testId="team-name" />
            <DurationField id="team-reassign" label={`${t('people.reassignAfter')} ${t('optional')}`} value={draft.reassign_after} onChange={(reassign_after) => setDraft({ ...draft, reassign_after })} testId="team-reassign" />
          </div>
          {reassignError && <p className="field-error">{reassignError}</p>}
          <label className="checkbox">
            <input type="checkbox" checked={draft.hasCalendar} onChange={(e) => setDraft({ ...draft, hasCalendar: e.target.checked })} data-testid="team-has-calendar" />
            {t('people.hasCalendar')}
          </label>
          {draft.hasCalendar && (
            <fieldset>
              <legend>{t('people.hasCalendar')}</legend>
              <div className="form-grid">
                <TextField id="team-timezone" label={t('people.timezone')} value={draft.timezone} onChange={(timezone) => setDraft({ ...draft, timezone })} required placeholder="Asia/Shanghai" />
                <TextField id="team-opens" label={t('people.opens')} type="time" value={draft.opens} onChange={(opens) => setDraft({ ...draft, opens })} required />
                <TextField id="team-closes" label={t('people.closes')} type="time" value={draft.closes} onChange={(closes) => setDraft({ ...draft, closes })} required />
              </div>
              <fieldset className="inline-choices">
                <legend>{t('people.days')}</legend>
                {DAYS.map((day) => (
                  <label key={day} className="checkbox">
                    <input
                      type="checkbox"
                      checked={draft.days.includes(day)}
                      onChange={(e) => setDraft({ ...draft, days: e.target.checked ? [...draft.days, day] : draft.days.filter((d) => d !== day) })}
                    />
                    {t(`people.weekdays.${day}`)}
                  </label>
                ))}
              </fieldset>
              <TextField id="team-holidays" label={t('people.holidays')} value={draft.holidays} onChange={(holidays) => setDraft({ ...draft, holidays })} hint={t('people.holidaysHint')} error={badHoliday ? t('people.badHoliday', { value: badHoliday }) : null} placeholder="2027-01-01, 2027-02-17" testId="team-holidays" />
            </fieldset>
          )}
          <fieldset>
            <legend>{t('people.shifts')}</legend>
            <p className="muted">{t('people.shiftsHint')}</p>
            {draft.shifts.map((shift, index) => (
              <div className="form-row" key={index} role="group" aria-label={t('people.shiftNumber', { n: index + 1 })}>
                <TextField id={`shift-${index}-name`} label={t('people.shiftName')} value={shift.name} onChange={(name) => setShift(index, { name })} required maxLength={50} testId={`shift-${index}-name`} />
                <TextField id={`shift-${index}-opens`} label={t('people.opens')} type="time" value={shift.opens} onChange={(opens) => setShift(index, { opens })} required testId={`shift-${index}-opens`} />
                <TextField id={`shift-${index}-closes`} label={t('people.closes')} type="time" value={shift.closes} onChange={(closes) => setShift(index, { closes })} required testId={`shift-${index}-closes`} />
                <button type="button" className="button" aria-label={t('removeNamed', { name: shift.name || t('people.shiftNumber', { n: index + 1 }) })} onClick={() => setDraft({ ...draft, shifts: draft.shifts.filter((_, i) => i !== index) })}>
                  {t('remove')}
                </button>
              </div>
            ))}
            {draft.shifts.length < 6 && (
              <button type="button" className="button" onClick={() => setDraft({ ...draft, shifts: [...draft.shifts, { name: '', opens: '08:00', closes: '16:00' }] })} data-testid="shift-add">
                {t('people.addShift')}
              </button>
            )}
            {badClock && <p className="field-error">{t('people.badClock')}</p>}
          </fieldset>
        </AdminForm>
      )}
      <ListState query={teams} items={teams.data?.items} empty={t('people.noTeams')}>
        {(items) => (
          <AdminTable testId="team-list" columns={[t('people.teamId'), t('people.teamName'), t('people.shifts'), t('people.reassignAfter')]}>
            {items.map((team) => (
              <tr key={team.id}>
                <td className="mono">{team.id}</td>
                <td>{team.name}</td>
                <td>
                  {team.shifts.length
                    ? team.shifts.map((s) => `${s.name} ${clock(s.opens)}–${clock(s.closes)}`).join(', ')
                    : team.calendar
                      ? `${clock(team.calendar.opens)}–${clock(team.calendar.closes)}`
                      : t('people.alwaysOpen')}
                </td>
                <td className="mono">{team.reassign_after ?? '—'}</td>
                <td>
                  <EditButton name={team.name} onClick={() => open(teamDraft(team))} />
                </td>
              </tr>
            ))}
          </AdminTable>
        )}
      </ListState>
    </section>
  )
}

// ------------------------------------------------------------------------------------------------ agents

type AgentDraft = { agent: AdminAgent; teams: string[]; otherTeams: string; skills: { name: string; level: number }[]; chat: string; ticket: string }

const agentDraft = (agent: AdminAgent, known: string[]): AgentDraft => ({
  agent,
  teams: agent.teams.filter((team) => known.includes(team)),
  otherTeams: joinList(agent.teams.filter((team) => !known.includes(team))),
  skills: Object.entries(agent.skills).map(([name, level]) => ({ name, level })),
  chat: String(agent.capacity.chat ?? 3),
  ticket: String(agent.capacity.ticket ?? 10),
})

const whole = (value: string) => /^\d{1,3}$/.test(value)

function AgentsPanel({ onSaved }: { onSaved: () => void }) {
  const { t } = useAdminTranslation()
  const label = useLabel()
  const agents = useAdminAgents()
  const teams = useTeams()
  const save = useSaveAgent()
  const [draft, setDraft] = useState<AgentDraft | null>(null)
  const known = (teams.data?.items ?? []).map((team) => team.id)

  const names = draft?.skills.map((s) => s.name) ?? []
  const badSkill = draft?.skills.find((s) => !SKILL.test(s.name))
  const duplicate = new Set(names).size !== names.length
  const allTeams = draft ? [...new Set([...draft.teams, ...splitList(draft.otherTeams)])] : []
  const badTeam = allTeams.find((team) => !SLUG.test(team))
  const valid = draft && !badSkill && !duplicate && !badTeam && allTeams.length <= 10 && whole(draft.chat) && whole(draft.ticket)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!draft || !valid) return
    save.mutate(
      {
        id: draft.agent.id,
        profile: { teams: allTeams, skills: Object.fromEntries(draft.skills.map((s) => [s.name, s.level])), capacity: { chat: Number(draft.chat), ticket: Number(draft.ticket) } },
      },
      { onSuccess: () => { setDraft(null); onSaved() } },
    )
  }
  const who = (agent: AdminAgent) => agent.name || agent.email || agent.id
  const setSkill = (index: number, change: Partial<AgentDraft['skills'][number]>) =>
    draft && setDraft({ ...draft, skills: draft.skills.map((s, i) => (i === index ? { ...s, ...change } : s)) })

  return (
    <section className="admin-section" aria-labelledby="agents-title" data-testid="admin-agents">
      <h2 id="agents-title">{t('people.agents')}</h2>
      <p className="muted">{t('people.agentsHint')}</p>
      {draft && (
        <AdminForm name="agent" title={t('people.editAgent', { name: who(draft.agent) })} onSubmit={submit} onCancel={() => setDraft(null)} save={save} valid={Boolean(valid)}>
          <fieldset className="inline-choices">
            <legend>{t('people.agentTeams')}</legend>
            {known.length === 0 && <p className="muted">{t('people.noTeamChoice')}</p>}
            {known.map((team) => (
              <label key={team} className="checkbox">
                <input
                  type="checkbox"
                  checked={draft.teams.includes(team)}
                  onChange={(e) => setDraft({ ...draft, teams: e.target.checked ? [...draft.teams, team] : draft.teams.filter((x) => x !== team) })}
                  data-testid={`agent-team-${team}`}
                />
                {label('team', team)}
              </label>
            ))}
          </fieldset>
          <TextField id="agent-other-teams" label={t('people.otherTeams')} value={draft.otherTeams} onChange={(otherTeams) => setDraft({ ...draft, otherTeams })} hint={t('listHint')} error={badTeam ? t('invalidPattern') : allTeams.length > 10 ? t('people.tooManyTeams') : null} />
          <fieldset>
            <legend>{t('people.skills')}</legend>
            {draft.skills.map((skill, index) => (
              <div className="form-row" key={index} role="group" aria-label={skill.name || t('people.skill')}>
                <TextField id={`skill-${index}-name`} label={t('people.skill')} value={skill.name} onChange={(name) => setSkill(index, { name: name.trim() })} required maxLength={32} testId={`skill-${index}-name`} error={skill.name && !SKILL.test(skill.name) ? t('people.badSkill') : null} />
                <div className="field">
                  <label htmlFor={`skill-${index}-level`}>{t('people.proficiency')}</label>
                  <select id={`skill-${index}-level`} value={skill.level} onChange={(e) => setSkill(index, { level: Number(e.target.value) })} data-testid={`skill-${index}-level`}>
                    {[1, 2, 3, 4, 5].map((level) => (
                      <option key={level} value={level}>
                        {level}
                      </option>
                    ))}
                  </select>
                </div>
                <button type="button" className="button" aria-label={t('removeNamed', { name: skill.name || t('people.skill') })} onClick={() => setDraft({ ...draft, skills: draft.skills.filter((_, i) => i !== index) })}>
                  {t('remove')}
                </button>
              </div>
            ))}
            <button type="button" className="button" onClick={() => setDraft({ ...draft, skills: [...draft.skills, { name: '', level: 3 }] })} data-testid="skill-add">
              {t('people.addSkill')}
            </button>
            {duplicate && <p className="field-error">{t('people.duplicateSkill')}</p>}
          </fieldset>
          <fieldset>
            <legend>{t('people.capacity')}</legend>
            <div className="form-grid">
              <TextField id="agent-capacity-chat" label={t('people.capacityChat')} type="number" min={0} max={100} inputMode="numeric" value={draft.chat} onChange={(chat) => setDraft({ ...draft, chat })} required testId="agent-capacity-chat" />
              <TextField id="agent-capacity-ticket" label={t('people.capacityTicket')} type="number" min={0} max={100} inputMode="numeric" value={draft.ticket} onChange={(ticket) => setDraft({ ...draft, ticket })} required testId="agent-capacity-ticket" />
            </div>
          </fieldset>
        </AdminForm>
      )}
      <ListState query={agents} items={agents.data?.items} empty={t('people.noAgents')}>
        {(items) => (
          <AdminTable testId="agent-list" columns={[t('people.agent'), t('people.roles'), t('people.agentTeams'), t('people.skills'), t('people.capacity')]}>
            {items.map((agent) => (
              <tr key={agent.id} data-testid={`agent-row-${agent.email ?? agent.id}`}>
                <td>
                  {who(agent)}
                  {agent.name && agent.email && <span className="muted block">{agent.email}</span>}
                </td>
                <td>
                  {agent.roles.map((role) => (
                    <span key={role} className="badge role">
                      {label('role', role)}
                    </span>
                  ))}
                </td>
                <td>{agent.teams.map((team) => label('team', team)).join(', ') || '—'}</td>
                <td>{Object.entries(agent.skills).map(([skill, level]) => `${label('ticketType', skill)} ${level}`).join(', ') || '—'}</td>
                <td>
                  {`${agent.capacity.chat ?? 0} / ${agent.capacity.ticket ?? 0}`}
                  {!agent.configured && <span className="muted block">{t('people.notConfigured')}</span>}
                </td>
                <td>
                  <EditButton name={who(agent)} onClick={() => { save.reset(); setDraft(agentDraft(agent, known)) }} testId={`agent-edit-${agent.email ?? agent.id}`} />
                </td>
              </tr>
            ))}
          </AdminTable>
        )}
      </ListState>
    </section>
  )
}
