import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it } from 'vitest'
import { renderWithProviders, signIn, stubFetch, withConfig, type Call } from '../../../test/helpers'
import { snippetParts } from '../api/knowledge'
import { slashAt } from '../composer'
import { ReplyBox } from './reply-box'

const TICKET = '01JABCDEFGHJKMNPQRSTVWXYZ0'
const GREET = {
  id: '01JREPLYREPLYREPLYREPLYRE1',
  scope: 'shared',
  shortcut: 'greet',
  title: 'Greeting',
  body: 'Hello {{customer.name}}, your email {{customer.email}}',
  tags: [],
  created_by: 'x',
  created_at: '2026-03-01T10:00:00Z',
  updated_at: '2026-03-01T10:00:00Z',
}
const THANKS = { ...GREET, id: '01JREPLYREPLYREPLYREPLYRE2', shortcut: 'thanks', title: 'Thanks', body: 'Thank you!' }

let sent: Call[]
let rendered: Call[]

beforeEach(async () => {
  sent = []
  rendered = []
  stubFetch((call) => {
    if (call.url.includes('/api/v1/canned-replies?') || call.url.endsWith('/api/v1/canned-replies')) {
      return { body: { items: [THANKS, GREET], variables: {} } }
    }
    if (call.url.endsWith(`/canned-replies/${GREET.id}/render`)) {
      rendered.push(call)
      return { body: { body: 'Hello 测试客户, your email ', missing: ['customer.email'] } }
    }
    if (call.url.endsWith(`/canned-replies/${THANKS.id}/render`)) return { body: { body: 'Thank you!', missing: [] } }
    if (call.url.endsWith(`/tickets/${TICKET}/messages`)) {
      sent.push(call)
      return { status: 201, body: { id: 'm1', body: (call.body as { body: string }).body } }
    }
    return undefined
  })
  await withConfig()
  signIn()
})

describe('slash detection', () => {
  it('finds "/" + shortcut at the start or after a space, not inside a word', () => {
    expect(slashAt('/gr', 3)).toEqual({ start: 0, typed: 'gr' })
    expect(slashAt('hi /', 4)).toEqual({ start: 3, typed: '' })
    expect(slashAt('a/b', 3)).toBeNull()
    expect(slashAt('/GR', 3)).toBeNull()
  })
})

describe('canned replies in the composer', () => {
  it('"/" + shortcut offers the reply, Enter inserts it filled in for the ticket, missing variables hold the send', async () => {
    const user = userEvent.setup()
    renderWithProviders(<ReplyBox ticketId={TICKET} />)
    const box = screen.getByTestId('reply-box')
    await user.type(box, '/gre')
    const options = await screen.findAllByTestId('canned-option')
    expect(options[0].textContent).toContain('/greet') // the prefix match first, whatever the API's order
    expect(options[0].getAttribute('aria-selected')).toBe('true')
    expect(box.getAttribute('aria-activedescendant')).toBe(options[0].id)
    await user.keyboard('{Enter}')
    await waitFor(() => expect((box as HTMLTextAreaElement).value).toBe('Hello 测试客户, your email '))
    expect(rendered[0].body).toEqual({ ticket_id: TICKET })
    expect(screen.queryByTestId('canned-suggestions')).toBeNull()
    expect(screen.getByTestId('missing-variables').textContent).toContain('customer.email')

    // The first send only asks; nothing leaves until the agent confirms.
    await user.click(screen.getByTestId('send-button'))
    expect(sent).toHaveLength(0)
    await user.click(await screen.findByTestId('send-anyway'))
    await waitFor(() => expect(sent).toHaveLength(1))
    expect(sent[0].body).toEqual({ body: 'Hello 测试客户, your email', internal: false })
    expect(screen.queryByTestId('missing-variables')).toBeNull()
  })

  it('arrows move through the offers and Escape closes them without inserting', async () => {
    const user = userEvent.setup()
    renderWithProviders(<ReplyBox ticketId={TICKET} />)
    const box = screen.getByTestId('reply-box')
    await user.type(box, 'Hi /')
    await screen.findAllByTestId('canned-option')
    await user.keyboard('{ArrowDown}')
    const options = screen.getAllByTestId('canned-option')
    expect(options[1].getAttribute('aria-selected')).toBe('true')
    await user.keyboard('{Escape}')
    expect(screen.queryByTestId('canned-suggestions')).toBeNull()
    expect((box as HTMLTextAreaElement).value).toBe('Hi /')
    expect(rendered).toHaveLength(0)
  })

  it('a reply with every variable filled sends at once', async () => {
    const user = userEvent.setup()
    renderWithProviders(<ReplyBox ticketId={TICKET} />)
    const box = screen.getByTestId('reply-box')
    await user.type(box, '/thanks')
    await screen.findAllByTestId('canned-option')
    await user.keyboard('{Tab}')
    await waitFor(() => expect((box as HTMLTextAreaElement).value).toBe('Thank you!'))
    expect(screen.queryByTestId('missing-variables')).toBeNull()
    await user.click(screen.getByTestId('send-button'))
    await waitFor(() => expect(sent).toHaveLength(1))
  })
})

describe('the composer panels', () => {
  it('Enter in the canned-reply search does not send the reply; Insert puts the reply at the caret', async () => {
    const user = userEvent.setup()
    renderWithProviders(<ReplyBox ticketId={TICKET} />)
    const box = screen.getByTestId('reply-box')
    await user.type(box, 'Hi ')
    await user.click(screen.getByTestId('canned-toggle'))
    await user.type(screen.getByLabelText('Search canned replies'), 'thanks{Enter}')
    expect(sent).toHaveLength(0)
    await user.click(await screen.findByRole('button', { name: 'Insert “Thanks”' }))
    await waitFor(() => expect((box as HTMLTextAreaElement).value).toBe('Hi Thank you!'))
    expect(sent).toHaveLength(0)
  })
})

describe('knowledge base in the composer', () => {
  it('suggests articles for the ticket, inserts a public one; an internal one only into an internal note', async () => {
    stubFetch((call) => {
      if (call.url.endsWith(`/tickets/${TICKET}/suggested-articles`)) {
        return {
          body: {
            items: [
              { id: 'A1', title: 'Invoices', snippet: 'How to get an <mark>invoice</mark>', score: 3, locale: 'en', visibility: 'public' },
              { id: 'A2', title: 'Refund limits', snippet: 'Staff only', score: 2, locale: 'en', visibility: 'internal' },
            ],
          },
        }
      }
      if (call.url.endsWith('/kb/articles/A1')) return { body: { id: 'A1', title: 'Invoices', body: 'Open Orders, then Invoice.', locale: 'en' } }
      return undefined
    })
    const user = userEvent.setup()
    renderWithProviders(<ReplyBox ticketId={TICKET} />)
    await user.click(screen.getByTestId('kb-toggle'))
    const hits = await screen.findAllByTestId('kb-hit')
    expect(hits[0].querySelector('mark')?.textContent).toBe('invoice')
    expect(screen.getByTestId('kb-internal-only')).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Insert the article “Refund limits”' })).toBeNull()
    await user.click(screen.getByRole('button', { name: 'Insert the article “Invoices”' }))
    await waitFor(() => expect((screen.getByTestId('reply-box') as HTMLTextAreaElement).value).toBe('Open Orders, then Invoice.\n'))
    await user.click(screen.getByTestId('internal-toggle'))
    expect(screen.getByRole('button', { name: 'Insert the article “Refund limits”' })).toBeTruthy()
  })
})

describe('knowledge-base snippets', () => {
  it('keeps the marks and decodes the text, never the HTML', () => {
    expect(snippetParts('a &lt;b&gt; <mark>退款</mark> &amp; c')).toEqual([
      { text: 'a <b> ', mark: false },
      { text: '退款', mark: true },
      { text: ' & c', mark: false },
    ])
    expect(snippetParts('<img src=x onerror=alert(1)>')).toEqual([])
  })
})
