import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { useState } from 'react'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { renderWithProviders, signIn, stubFetch, withConfig, type Call } from '../../../test/helpers'
import { NO_FILTERS, type TicketFilters } from '../api/get-tickets'

const current = () => JSON.parse(screen.getByTestId('filters').textContent ?? '{}') as TicketFilters
import { viewIdFor, type SavedView } from '../api/saved-views'
import { SavedViews } from './saved-views'

let views: SavedView[]
let calls: Call[]

function Harness({ start }: { start: TicketFilters }) {
  const [value, setValue] = useState(start)
  return (
    <>
      <SavedViews value={value} onChange={setValue} />
      <output data-testid="filters">{JSON.stringify(value)}</output>
    </>
  )
}

beforeEach(async () => {
  views = [
    { id: 'vip-waiting', owner_id: 'me', name: 'VIP waiting', filters: { status: 'pending', tier: 'vip' }, position: 0, created_at: '', updated_at: '' },
  ]
  calls = stubFetch((call) => {
    if (call.url.endsWith('/api/v1/me/views') && call.method === 'GET') return { body: { items: views } }
    const id = decodeURIComponent(call.url.split('/me/views/')[1] ?? '')
    if (call.method === 'PUT') {
      const body = call.body as { name: string; filters: SavedView['filters']; position: number }
      const view = { id, owner_id: 'me', created_at: '', updated_at: '', ...body }
      views = [...views.filter((v) => v.id !== id), view]
      return { body: view }
    }
    if (call.method === 'DELETE') {
      views = views.filter((v) => v.id !== id)
      return { status: 204 }
    }
    return undefined
  })
  await withConfig()
  signIn()
})

describe('saved views', () => {
  it('applies a view with one click and marks it as the current one', async () => {
    const user = userEvent.setup()
    renderWithProviders(<Harness start={NO_FILTERS} />)
    const tab = await screen.findByRole('button', { name: 'VIP waiting' })
    expect(tab.getAttribute('aria-pressed')).toBe('false')
    await user.click(tab)
    expect(current()).toEqual({ ...NO_FILTERS, status: 'pending', tier: 'vip' })
    expect(tab.getAttribute('aria-pressed')).toBe('true')
    await user.click(screen.getByTestId('view-all'))
    expect(current()).toEqual(NO_FILTERS)
  })

  it('saves the current filters under a name, only the ones set', async () => {
    const user = userEvent.setup()
    renderWithProviders(<Harness start={{ ...NO_FILTERS, assignee: 'me', channel: 'email', q: 'refund' }} />)
    await screen.findByRole('button', { name: 'VIP waiting' })
    await user.click(screen.getByTestId('view-save'))
    await user.type(screen.getByLabelText('View name'), 'My email refunds')
    await user.click(screen.getByTestId('view-save-submit'))
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true))
    const put = calls.find((c) => c.method === 'PUT')
    expect(put?.url).toMatch(/\/me\/views\/my-email-refunds$/)
    expect(put?.body).toEqual({ name: 'My email refunds', filters: { assignee: 'me', channel: 'email', q: 'refund' }, position: 1 })
    const saved = await screen.findByRole('button', { name: 'My email refunds' })
    await waitFor(() => expect(saved.getAttribute('aria-pressed')).toBe('true'))

    vi.spyOn(window, 'confirm').mockReturnValue(true)
    await user.click(screen.getByTestId('view-delete'))
    await waitFor(() => expect(screen.queryByRole('button', { name: 'My email refunds' })).toBeNull())
    expect(calls.some((c) => c.method === 'DELETE' && c.url.endsWith('/me/views/my-email-refunds'))).toBe(true)
  })

  it('makes ids the API accepts, even from a Chinese name', () => {
    expect(viewIdFor('VIP waiting!', [])).toBe('vip-waiting')
    expect(viewIdFor('VIP waiting', ['vip-waiting'])).toBe('vip-waiting-2')
    expect(viewIdFor('我的工单', [], 1_700_000_000_000)).toMatch(/^view-[a-z0-9]+$/)
  })
})
