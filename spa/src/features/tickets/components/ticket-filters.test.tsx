import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { signIn, stubFetch, withConfig } from '../../../test/helpers'
import { getTickets, NO_FILTERS, type TicketFilters } from '../api/get-tickets'
import { TicketFiltersBar } from './ticket-filters'

beforeEach(async () => {
  stubFetch(() => undefined)
  await withConfig()
  signIn()
})

describe('inbox filters', () => {
  it('offer whose, team, priority, channel and tier, in the agent’s language', async () => {
    const onChange = vi.fn<(next: TicketFilters) => void>()
    const user = userEvent.setup()
    render(<TicketFiltersBar value={NO_FILTERS} onChange={onChange} teams={['after_sales', 'sales']} />)
    await user.selectOptions(screen.getByLabelText('Assigned to'), 'Unassigned')
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, assignee: 'unassigned' })
    await user.selectOptions(screen.getByLabelText('Team'), 'After-sales')
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, team: 'after_sales' })
    await user.selectOptions(screen.getByLabelText('Channel'), 'WeChat')
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, channel: 'wechat' })
    await user.selectOptions(screen.getByLabelText('Customer tier'), 'VIP')
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, tier: 'vip' })
  })

  it('reach the API as its query parameters, empty ones left out', async () => {
    const calls = stubFetch(() => ({ body: { items: [], next_cursor: null } }))
    await getTickets({ ...NO_FILTERS, status: 'pending', assignee: 'unassigned', channel: 'email', tier: 'vip' }, null)
    const url = new URL(calls[0]!.url, 'http://x')
    expect(url.pathname).toBe('/api/v1/tickets')
    expect(Object.fromEntries(url.searchParams)).toEqual({
      status: 'pending',
      assignee: 'unassigned',
      channel: 'email',
      tier: 'vip',
    })
  })
})
