import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it } from 'vitest'
import { renderWithProviders, signIn, stubFetch, withConfig, type Call } from '../../../test/helpers'
import type { AdminAgent, Team } from '../api'
import { expectNoSeriousViolations } from '../test/helpers'
import { PeopleAdmin } from './people-admin'

const AGENT = '66666666-7777-4888-9999-000000000000'
let teams: Team[]
let agents: AdminAgent[]
let calls: Call[]

beforeEach(async () => {
  teams = []
  agents = [{ id: AGENT, name: 'Li Na', email: 'agent1@example.com', roles: ['agent'], teams: [], skills: {}, capacity: { chat: 3, ticket: 10 }, load: { chat: 0, ticket: 0 }, presence: 'offline', configured: false }]
  calls = stubFetch((call) => {
    if (call.url.endsWith('/api/v1/admin/teams') && call.method === 'GET') return { body: { items: teams } }
    if (call.url.endsWith('/api/v1/admin/agents') && call.method === 'GET') return { body: { items: agents } }
    if (call.url.includes('/api/v1/admin/teams/') && call.method === 'PUT') {
      const id = call.url.split('/').pop() as string
      const body = call.body as Team
      if (body.calendar?.timezone === 'Mars/Olympus') return { status: 400, body: { message: "calendar.timezone: unknown time zone 'Mars/Olympus'" } }
      const team = { ...body, id, shifts: body.shifts.map((s) => ({ ...s, opens: `${s.opens}:00`, closes: `${s.closes}:00` })) }
      teams = [...teams.filter((x) => x.id !== id), team]
      return { body: team }
    }
    if (call.url.includes('/api/v1/admin/agents/') && call.method === 'PUT') {
      const body = call.body as Pick<AdminAgent, 'teams' | 'skills' | 'capacity'>
      agents = agents.map((a) => (a.id === AGENT ? { ...a, ...body, configured: true } : a))
      return { body: { agent_id: AGENT, ...body } }
    }
    return undefined
  })
  await withConfig()
  signIn('admin@example.com')
})

describe('agents, teams and skills', () => {
  it('an admin creates a team with a shift and puts an agent in it with a skill and capacity', async () => {
    const user = userEvent.setup()
    const { container } = renderWithProviders(<PeopleAdmin />)
    expect(await screen.findByText(/No team is configured yet/)).toBeTruthy()
    await user.click(screen.getByTestId('team-new'))
    await user.type(screen.getByTestId('team-id'), 'VIP care')
    expect(within(screen.getByTestId('team-form')).getAllByText(/Lower-case letters, digits/).length).toBeGreaterThan(1)
    await user.clear(screen.getByTestId('team-id'))
    await user.type(screen.getByTestId('team-id'), 'vip_care')
    await user.type(screen.getByTestId('team-name'), 'VIP care')
    await user.type(screen.getByTestId('team-reassign'), '5 minutes')
    expect(screen.getByText(/is not an ISO-8601 duration/)).toBeTruthy()
    expect((screen.getByTestId('team-save') as HTMLButtonElement).disabled).toBe(true)
    await user.clear(screen.getByTestId('team-reassign'))
    await user.type(screen.getByTestId('team-reassign'), 'pt5m')
    expect(screen.getByText(/means 5 minutes/)).toBeTruthy()
    await user.click(screen.getByTestId('shift-add'))
    await user.type(screen.getByTestId('shift-0-name'), 'day')
    await user.click(screen.getByTestId('team-has-calendar'))
    await user.type(screen.getByTestId('team-holidays'), '2027-01-01, soon')
    expect(screen.getByText('“soon” is not a date (YYYY-MM-DD).')).toBeTruthy()
    await user.clear(screen.getByTestId('team-holidays'))
    await user.type(screen.getByTestId('team-holidays'), '2027-01-01')
    await expectNoSeriousViolations(container)
    await user.click(screen.getByTestId('team-save'))
    await screen.findByTestId('team-list')
    const put = calls.find((c) => c.method === 'PUT' && c.url.endsWith('/admin/teams/vip_care'))
    expect(put?.body).toMatchObject({
      name: 'VIP care',
      reassign_after: 'PT5M',
      shifts: [{ name: 'day', opens: '08:00', closes: '16:00' }],
      calendar: { timezone: 'Asia/Shanghai', days: [0, 1, 2, 3, 4], opens: '09:00', closes: '18:00', holidays: ['2027-01-01'] },
    })
    // the list shows the API's clock times as HH:MM
    expect(within(screen.getByTestId('team-list')).getByText('day 08:00–16:00')).toBeTruthy()

    const row = screen.getByTestId('agent-row-agent1@example.com')
    expect(row.textContent).toContain('not configured (defaults)')
    await user.click(screen.getByTestId('agent-edit-agent1@example.com'))
    await user.click(screen.getByTestId('agent-team-vip_care'))
    await user.click(screen.getByTestId('skill-add'))
    await user.type(screen.getByTestId('skill-0-name'), 'After Sales')
    expect(screen.getByText(/A skill is a ticket type/)).toBeTruthy()
    await user.clear(screen.getByTestId('skill-0-name'))
    await user.type(screen.getByTestId('skill-0-name'), 'after_sales')
    await user.selectOptions(screen.getByTestId('skill-0-level'), '5')
    await user.clear(screen.getByTestId('agent-capacity-chat'))
    await user.type(screen.getByTestId('agent-capacity-chat'), '4')
    await expectNoSeriousViolations(container)
    await user.click(screen.getByTestId('agent-save'))
    await waitFor(() => expect(screen.queryByTestId('agent-form')).toBeNull())
    expect(calls.find((c) => c.method === 'PUT' && c.url.includes('/admin/agents/'))?.body).toEqual({
      teams: ['vip_care'],
      skills: { after_sales: 5 },
      capacity: { chat: 4, ticket: 10 },
    })
    await waitFor(() => expect(screen.getByTestId('agent-row-agent1@example.com').textContent).toContain('5'))
    expect(screen.getByTestId('agent-row-agent1@example.com').textContent).not.toContain('not configured')
  })

  it("shows the API's 400 when it refuses a team", async () => {
    const user = userEvent.setup()
    renderWithProviders(<PeopleAdmin />)
    await user.click(await screen.findByTestId('team-new'))
    await user.type(screen.getByTestId('team-id'), 'finance')
    await user.type(screen.getByTestId('team-name'), 'Finance')
    await user.type(screen.getByTestId('team-reassign'), 'PT0S')
    // below a second: refused in the form already
    expect(screen.getByText('PT1S to P7D; empty: never.')).toBeTruthy()
    expect((screen.getByTestId('team-save') as HTMLButtonElement).disabled).toBe(true)
    await user.clear(screen.getByTestId('team-reassign'))
    await user.click(screen.getByTestId('team-has-calendar'))
    await user.clear(screen.getByLabelText('Time zone'))
    await user.type(screen.getByLabelText('Time zone'), 'Mars/Olympus')
    await user.click(screen.getByTestId('team-save'))
    expect((await screen.findByRole('alert')).textContent).toContain("unknown time zone 'Mars/Olympus'")
    expect(screen.getByTestId('team-form')).toBeTruthy()
  })
})
