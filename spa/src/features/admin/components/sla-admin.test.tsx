import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it } from 'vitest'
import { renderWithProviders, signIn, stubFetch, withConfig, type Call } from '../../../test/helpers'
import type { SlaPolicy, SlaPolicyInput } from '../api'
import { expectNoSeriousViolations } from '../test/helpers'
import { SlaAdmin } from './sla-admin'

let policies: SlaPolicy[]
let calls: Call[]
const base = { warn_at: 0.8, level2_after: 'PT30M', expert_team: 'experts', reassign_on_breach: false, calendar: 'calendar' as const, next_response: null }

beforeEach(async () => {
  policies = [
    { ...base, id: 'default', name: 'Normal customers', first_response: 'PT15M', resolution: 'PT24H', version: 1 },
    { ...base, id: 'vip', name: 'VIP', tier: 'vip', first_response: 'PT5M', resolution: 'PT24H', version: 1 },
  ]
  calls = stubFetch((call) => {
    if (call.url.endsWith('/api/v1/admin/sla-policies') && call.method === 'GET') return { body: { revision: 0, policies } }
    if (call.url.endsWith('/api/v1/admin/sla-policies') && call.method === 'POST') {
      const body = call.body as SlaPolicyInput
      if (body.expert_team === 'nobody') return { status: 400, body: { message: "expert_team: no team 'nobody'" } }
      const id = body.id ?? body.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')
      const before = policies.find((p) => p.id === id)
      const saved = { ...base, ...body, id, version: (before?.version ?? 0) + 1 } as SlaPolicy
      policies = before ? policies.map((p) => (p.id === id ? saved : p)) : [...policies, saved]
      return { status: 201, body: saved }
    }
    return undefined
  })
  await withConfig()
  signIn('admin@example.com')
})

describe('the SLA policies screen', () => {
  it('an admin edits a policy: durations are checked and spelled out, business time chosen, a new version saved', async () => {
    const user = userEvent.setup()
    const { container } = renderWithProviders(<SlaAdmin />)
    await screen.findByTestId('sla-list')
    expect(screen.getByTestId('sla-row-vip').textContent).toContain('VIP')
    await user.click(screen.getByTestId('sla-edit-vip'))
    const first = screen.getByTestId('sla-first')
    await user.clear(first)
    await user.type(first, '10 min')
    expect(screen.getByText('“10MIN” is not an ISO-8601 duration such as PT15M or P1D.')).toBeTruthy()
    expect((screen.getByTestId('sla-save') as HTMLButtonElement).disabled).toBe(true)
    await user.clear(first)
    await user.type(first, 'pt1m30s')
    expect(screen.getByText(/means 1 minute 30 seconds/)).toBeTruthy()
    await user.click(screen.getByTestId('sla-calendar-business'))
    await expectNoSeriousViolations(container)
    await user.click(screen.getByTestId('sla-save'))
    expect(await screen.findByText(/Saved\. VIP · Version 2/)).toBeTruthy()
    const body = calls.find((c) => c.method === 'POST')?.body as SlaPolicyInput
    expect(body).toMatchObject({ id: 'vip', name: 'VIP', tier: 'vip', priority: null, first_response: 'PT1M30S', resolution: 'PT24H', calendar: 'business', warn_at: 0.8 })
    const row = screen.getByTestId('sla-row-vip')
    expect(within(row).getByText('PT1M30S')).toBeTruthy()
    expect(row.textContent).toContain('Business hours')
  })

  it("a refused policy shows the API's message", async () => {
    const user = userEvent.setup()
    renderWithProviders(<SlaAdmin />)
    await user.click(await screen.findByTestId('sla-new'))
    await user.type(screen.getByTestId('sla-name'), 'Urgent')
    await user.clear(screen.getByLabelText('Expert team (level 2)'))
    await user.type(screen.getByLabelText('Expert team (level 2)'), 'nobody')
    await user.click(screen.getByTestId('sla-save'))
    expect((await screen.findByRole('alert')).textContent).toContain("no team 'nobody'")
  })
})
