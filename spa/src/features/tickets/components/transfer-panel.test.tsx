import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it } from 'vitest'
import { i18n } from '../../../lib/i18n'
import { renderWithProviders, signIn, stubFetch, withConfig, type Call } from '../../../test/helpers'
import type { Ticket } from '../types'
import { TicketTable } from './ticket-table'
import { TransferPanel } from './transfer-panel'

const ME = '11111111-1111-4111-8111-111111111111'
const WANG = '22222222-2222-4222-8222-222222222222'
const GONE = '33333333-3333-4333-8333-333333333333'

const AGENTS = {
  items: [
    { id: ME, name: 'Li Na', email: 'agent1@example.com', teams: ['sales'], presence: 'online', load: { chat: 1 } },
    { id: WANG, name: 'Wang Wei', email: 'agent2@example.com', teams: ['after_sales'], presence: 'away', load: { chat: 2, ticket: 1 } },
  ],
}

const ticket: Ticket = {
  id: '01JABCDEFGHJKMNPQRSTVWXYZ0',
  status: 'in_progress',
  priority: 'medium',
  type: 'consultation',
  channel: 'web',
  inbox: 'web',
  customer_id: '01JCUSTOMERCUSTOMERCUSTOM0',
  customer_name: '测试客户',
  assignee: ME,
  team: 'sales',
  tags: [],
  created_at: '2026-03-01T10:00:00Z',
  updated_at: '2026-03-01T10:05:00Z',
}

function api(calls: { assigned?: Call[] } = {}) {
  return stubFetch((call) => {
    if (call.url.endsWith('/api/v1/agents')) return { body: AGENTS }
    if (call.url.endsWith(`/api/v1/tickets/${ticket.id}/assign`) && call.method === 'POST') {
      calls.assigned?.push(call)
      const body = call.body as { agent_id?: string; team?: string }
      return { body: { ...ticket, assignee: body.agent_id ?? ticket.assignee, team: body.team ?? ticket.team } }
    }
    return undefined
  })
}

beforeEach(async () => {
  api()
  await withConfig()
  signIn()
})

describe('transfer', () => {
  it('picks a colleague by name and posts their id', async () => {
    const assigned: Call[] = []
    api({ assigned })
    const user = userEvent.setup()
    renderWithProviders(<TransferPanel ticket={ticket} currentAgentId={ME} />)

    const picker = screen.getByLabelText('Transfer to agent')
    await screen.findByRole('option', { name: 'Wang Wei · Away · 3 open' })
    // The current assignee is named (and cannot be picked again); no id is shown anywhere.
    expect(screen.getByTestId('ticket-assignee').textContent).toBe('Li Na (you)')
    expect(within(picker).getByRole('option', { name: /Li Na/ }).hasAttribute('disabled')).toBe(true)
    expect(document.body.textContent).not.toContain(WANG)

    expect(screen.getByRole('button', { name: 'Transfer' }).hasAttribute('disabled')).toBe(true)
    await user.selectOptions(picker, WANG)
    await user.selectOptions(screen.getByLabelText('Transfer to team'), 'after_sales')
    await user.click(screen.getByRole('button', { name: 'Transfer' }))

    await waitFor(() => expect(assigned).toHaveLength(1))
    expect(assigned[0]?.body).toEqual({ agent_id: WANG, team: 'after_sales' })
    expect((await screen.findByTestId('transfer-done')).textContent).toBe('Transferred to Wang Wei · After-sales.')
  })

  it('shows the API’s refusal and keeps the choice', async () => {
    stubFetch((call) => {
      if (call.url.endsWith('/api/v1/agents')) return { body: AGENTS }
      return { status: 409, body: { message: 'a closed ticket cannot be transferred' } }
    })
    const user = userEvent.setup()
    renderWithProviders(<TransferPanel ticket={ticket} currentAgentId={ME} />)
    await screen.findByRole('option', { name: /Wang Wei/ })
    await user.selectOptions(screen.getByLabelText('Transfer to agent'), WANG)
    await user.click(screen.getByRole('button', { name: 'Transfer' }))
    expect((await screen.findByTestId('transfer-error')).textContent).toContain('a closed ticket cannot be transferred')
    expect((screen.getByLabelText('Transfer to agent') as HTMLSelectElement).value).toBe(WANG)
  })
})

describe('capacity override', () => {
  it('is offered to supervisors only, and sent with the note', async () => {
    const assigned: Call[] = []
    api({ assigned })
    const user = userEvent.setup()
    const view = renderWithProviders(<TransferPanel ticket={ticket} currentAgentId={ME} />)
    await screen.findByRole('option', { name: /Wang Wei/ })
    expect(screen.queryByLabelText('Give it even if the agent is at capacity')).toBeNull()
    view.unmount()

    renderWithProviders(<TransferPanel ticket={ticket} currentAgentId={ME} canOverrideCapacity />)
    await screen.findByRole('option', { name: /Wang Wei/ })
    const override = screen.getByLabelText('Give it even if the agent is at capacity')
    expect(override.hasAttribute('disabled')).toBe(true) // only with an agent picked
    await user.selectOptions(screen.getByLabelText('Transfer to agent'), WANG)
    await user.click(override)
    await user.type(screen.getByLabelText('Note (why)'), '  VIP, she knows the order  ')
    await user.click(screen.getByRole('button', { name: 'Transfer' }))
    await waitFor(() => expect(assigned).toHaveLength(1))
    expect(assigned[0]?.body).toEqual({ agent_id: WANG, note: 'VIP, she knows the order', override_capacity: true })
  })
})

describe('the inbox names agents', () => {
  it('by name, in Chinese too; an id the directory does not know is "unknown", never shown', async () => {
    await i18n.changeLanguage('zh-CN')
    const rows: Ticket[] = [
      { ...ticket, id: '01JAAAAAAAAAAAAAAAAAAAAAA1', assignee: WANG, team: 'after_sales' },
      { ...ticket, id: '01JAAAAAAAAAAAAAAAAAAAAAA2', assignee: GONE },
      { ...ticket, id: '01JAAAAAAAAAAAAAAAAAAAAAA3', assignee: null, team: null },
    ]
    const names = new Map([[WANG, 'Wang Wei']])
    renderWithProviders(
      <TicketTable tickets={rows} currentAgentId={ME} agentName={(id) => names.get(id) ?? '未知坐席'} onOpen={() => undefined} />,
    )
    const cells = screen.getAllByTestId('ticket-assignee-cell').map((cell) => cell.textContent)
    expect(cells).toEqual(['Wang Wei售后', '未知坐席销售', '未分配'])
    expect(screen.getByRole('columnheader', { name: '处理人' })).toBeTruthy()
    expect(document.body.textContent).not.toContain(GONE)
  })
})
