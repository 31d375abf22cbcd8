import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { renderWithProviders, signIn, stubFetch, withConfig, type Call } from '../../../test/helpers'
import type { CannedReply } from '../api/canned-replies'
import { CannedManager } from './canned-manager'

const ME = '11111111-1111-4111-8111-111111111111'
const base = { tags: [], created_by: 'x', created_at: '', updated_at: '' }
let items: CannedReply[]
let calls: Call[]

beforeEach(async () => {
  items = [
    { ...base, id: '01JREPLYREPLYREPLYREPLYRE1', scope: 'shared', shortcut: 'hello', title: 'Hello', body: 'Hi {{customer.name}}' },
    { ...base, id: '01JREPLYREPLYREPLYREPLYRE2', scope: 'personal', owner_id: ME, shortcut: 'bye', title: 'Bye', body: 'Goodbye', tags: ['farewell'], locale: 'en' },
  ]
  calls = stubFetch((call) => {
    if (call.url.includes('/api/v1/canned-replies') && call.method === 'GET') return { body: { items, variables: { 'customer.name': "the customer's name" } } }
    if (call.method === 'POST' && call.url.endsWith('/api/v1/canned-replies')) {
      const body = call.body as CannedReply
      if (body.body.includes('{{oops}}')) return { status: 400, body: { message: 'unknown variable(s) oops' } }
      const reply = { ...base, ...body, id: '01JREPLYREPLYREPLYREPLYRE3', owner_id: body.scope === 'personal' ? ME : null }
      items = [...items, reply]
      return { status: 201, body: reply }
    }
    if (call.method === 'PUT') {
      const id = call.url.split('/').pop()
      items = items.map((r) => (r.id === id ? { ...r, ...(call.body as object) } : r))
      return { body: items.find((r) => r.id === id) }
    }
    if (call.method === 'DELETE') {
      items = items.filter((r) => !call.url.endsWith(r.id))
      return { status: 204 }
    }
    return undefined
  })
  await withConfig()
  signIn()
})

describe('the canned-reply manager', () => {
  it('an agent changes only their own replies and creates personal ones (no scope choice)', async () => {
    const user = userEvent.setup()
    renderWithProviders(<CannedManager currentAgentId={ME} roles={['agent']} />)
    const list = await screen.findByTestId('canned-list')
    expect(within(list).queryByRole('button', { name: 'Edit “Hello”' })).toBeNull()
    expect(within(list).getByRole('button', { name: 'Edit “Bye”' })).toBeTruthy()

    await user.click(screen.getByTestId('canned-new'))
    expect(screen.queryByRole('radio')).toBeNull()
    await user.type(screen.getByLabelText(/^Shortcut/), 'Bad Shortcut')
    await user.type(screen.getByLabelText('Title'), 'Oops')
    await user.type(screen.getByLabelText('Text'), 'Hi {{{{oops}}')
    // Not a shortcut the API takes (upper case): refused before any request.
    expect((screen.getByTestId('canned-save') as HTMLButtonElement).disabled).toBe(true)
    await user.clear(screen.getByLabelText(/^Shortcut/))
    await user.type(screen.getByLabelText(/^Shortcut/), 'oops')
    await user.click(screen.getByTestId('canned-save'))
    expect((await screen.findByRole('alert')).textContent).toContain('unknown variable(s) oops') // the API's words
    await user.clear(screen.getByLabelText('Text'))
    await user.type(screen.getByLabelText('Text'), 'Fine')
    await user.click(screen.getByTestId('canned-save'))
    await waitFor(() => expect(screen.getByTestId('canned-list').textContent).toContain('/oops'))
    const created = calls.filter((c) => c.method === 'POST').pop()
    expect(created?.body).toEqual({ shortcut: 'oops', title: 'Oops', body: 'Fine', tags: [], scope: 'personal' })

    await user.click(screen.getByRole('button', { name: 'Edit “Bye”' }))
    await user.clear(screen.getByLabelText('Title'))
    await user.type(screen.getByLabelText('Title'), 'Farewell')
    await user.click(screen.getByTestId('canned-save'))
    await waitFor(() => expect(screen.getByTestId('canned-list').textContent).toContain('Farewell'))
    const put = calls.find((c) => c.method === 'PUT')
    expect(put?.url).toMatch(/canned-replies\/01JREPLYREPLYREPLYREPLYRE2$/)
    expect(put?.body).toEqual({ shortcut: 'bye', title: 'Farewell', body: 'Goodbye', tags: ['farewell'], locale: 'en' }) // kept

    vi.spyOn(window, 'confirm').mockReturnValue(true)
    await user.click(screen.getByRole('button', { name: 'Delete “Farewell”' }))
    await waitFor(() => expect(screen.getByTestId('canned-list').textContent).not.toContain('Farewell'))
  })

  it('a supervisor may write shared replies and change the shared ones', async () => {
    const user = userEvent.setup()
    renderWithProviders(<CannedManager currentAgentId={ME} roles={['supervisor', 'agent']} />)
    const list = await screen.findByTestId('canned-list')
    expect(within(list).getByRole('button', { name: 'Edit “Hello”' })).toBeTruthy()
    await user.click(screen.getByTestId('canned-new'))
    await user.click(screen.getByRole('radio', { name: 'Shared' }))
    await user.type(screen.getByLabelText(/^Shortcut/), 'team')
    await user.type(screen.getByLabelText('Title'), 'Team')
    await user.type(screen.getByLabelText('Text'), 'From the team')
    await user.click(screen.getByTestId('canned-save'))
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true))
    const posted = calls.find((c) => c.method === 'POST')
    expect((posted?.body as { scope?: string } | undefined)?.scope).toBe('shared')
  })
})
