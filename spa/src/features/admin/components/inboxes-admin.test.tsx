import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it } from 'vitest'
import { renderWithProviders, signIn, stubFetch, withConfig, type Call } from '../../../test/helpers'
import type { Inbox } from '../api'
import { expectNoSeriousViolations } from '../test/helpers'
import { InboxesAdmin } from './inboxes-admin'

const stamp = '2026-12-01T10:00:00Z'
let items: Inbox[]
let calls: Call[]

beforeEach(async () => {
  items = [{ id: 'web', channel: 'web', name: 'Web chat', credentials: {}, api_base: null, public_url: null, created_at: stamp, updated_at: stamp }]
  calls = stubFetch((call) => {
    if (call.url.endsWith('/api/v1/admin/inboxes') && call.method === 'GET') return { body: { items, next_cursor: null } }
    if (call.url.endsWith('/api/v1/admin/inboxes') && call.method === 'POST') {
      const body = call.body as { id: string; channel: string; name: string; credentials: Record<string, string> }
      if (body.id === 'taken') return { status: 409, body: { message: "inbox 'taken' exists" } }
      const hints = Object.fromEntries(Object.entries(body.credentials).map(([k, v]) => [k, `****${v.slice(-4)}`]))
      const inbox = { ...body, credentials: hints, api_base: null, public_url: null, created_at: stamp, updated_at: stamp }
      items = [...items, inbox]
      return { status: 201, body: inbox }
    }
    if (call.method === 'PUT') {
      const id = call.url.split('/').pop()
      items = items.map((i) => (i.id === id ? { ...i, name: (call.body as { name: string }).name } : i))
      return { body: items.find((i) => i.id === id) }
    }
    return undefined
  })
  await withConfig()
  signIn('admin@example.com')
})

describe('the inboxes screen', () => {
  it('an admin creates a Telegram inbox: every credential is asked for, sent once and never shown back', async () => {
    const user = userEvent.setup()
    const { container } = renderWithProviders(<InboxesAdmin canEdit />)
    await screen.findByTestId('inbox-list')
    await user.click(screen.getByTestId('inbox-new'))
    await user.type(screen.getByTestId('inbox-id'), 'Bad Id')
    expect(screen.getByText(/The id is 1–63 characters/)).toBeTruthy()
    await user.clear(screen.getByTestId('inbox-id'))
    await user.type(screen.getByTestId('inbox-id'), 'tg-main')
    await user.selectOptions(screen.getByTestId('inbox-channel'), 'telegram')
    await user.type(screen.getByTestId('inbox-cred-secret_token'), 'secret-token-1234')
    // one credential still missing: the form says so and does not send
    expect(screen.getByText('Give every credential of a new inbox.')).toBeTruthy()
    expect((screen.getByTestId('inbox-save') as HTMLButtonElement).disabled).toBe(true)
    await user.type(screen.getByTestId('inbox-cred-bot_token'), 'bot-token-abcd')
    expect((screen.getByTestId('inbox-cred-bot_token') as HTMLInputElement).type).toBe('password')
    await expectNoSeriousViolations(container)
    await user.click(screen.getByTestId('inbox-save'))

    const row = await screen.findByRole('row', { name: /tg-main/ })
    expect(row.textContent).toContain('****abcd')
    expect(row.textContent).not.toContain('bot-token-abcd')
    const post = calls.find((c) => c.method === 'POST')
    expect(post?.body).toEqual({ id: 'tg-main', channel: 'telegram', name: '', credentials: { secret_token: 'secret-token-1234', bot_token: 'bot-token-abcd' } })

    // an edit sends only the credentials typed in again (none here): the stored ones stay
    await user.click(within(row).getByRole('button', { name: 'Edit “tg-main”' }))
    expect((screen.getByTestId('inbox-cred-bot_token') as HTMLInputElement).value).toBe('')
    expect(screen.getByText(/Stored: \*\*\*\*abcd/)).toBeTruthy()
    await user.type(screen.getByTestId('inbox-name'), 'Telegram')
    await user.click(screen.getByTestId('inbox-save'))
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true))
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ name: 'Telegram', api_base: null, public_url: null })
  })

  it("shows the API's refusal and keeps the form", async () => {
    const user = userEvent.setup()
    renderWithProviders(<InboxesAdmin canEdit />)
    await user.click(await screen.findByTestId('inbox-new'))
    await user.type(screen.getByTestId('inbox-id'), 'taken')
    await user.click(screen.getByTestId('inbox-save'))
    expect((await screen.findByRole('alert')).textContent).toContain("inbox 'taken' exists")
    expect(screen.getByTestId('inbox-form')).toBeTruthy()
  })

  it('a supervisor sees the list, read only', async () => {
    renderWithProviders(<InboxesAdmin canEdit={false} />)
    await screen.findByTestId('inbox-list')
    expect(screen.queryByTestId('inbox-new')).toBeNull()
    expect(screen.queryByRole('button', { name: /Edit/ })).toBeNull()
    expect(screen.getByText('You can look at this; only admins change it.')).toBeTruthy()
  })
})
