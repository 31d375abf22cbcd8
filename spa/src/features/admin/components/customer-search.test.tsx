import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it } from 'vitest'
import { renderWithProviders, signIn, stubFetch, withConfig, type Call } from '../../../test/helpers'
import { expectNoSeriousViolations } from '../test/helpers'
import { CustomersAdmin } from './customers-admin'

const A = '01JCSTMRAAAAAAAAAAAAAAAAAA'
const B = '01JCSTMRBBBBBBBBBBBBBBBBBB'
const stamp = '2026-12-01T10:00:00Z'
const MASKED = '+86138****5678'
let calls: Call[]

const lookups = () => calls.filter((c) => new URL(c.url, 'http://x').pathname === '/api/v1/customers').map((c) => Object.fromEntries(new URL(c.url, 'http://x').searchParams))

beforeEach(async () => {
  calls = stubFetch((call) => {
    const url = new URL(call.url, 'http://x')
    if (url.pathname === '/api/v1/tickets') return { body: { items: [], next_cursor: null } }
    if (url.pathname === '/api/v1/customers') {
      const phone = url.searchParams.get('phone')
      if (phone !== null && !/^[+\d][\d\s-]+$/.test(phone)) return { status: 400, body: { message: 'phone is not a phone number that can be placed' } }
      if (phone === '138 1234 5678' || url.searchParams.get('external_id') === 'U1234')
        return {
          body: {
            items: [
              { id: A, name: 'Li Wei', email: null, phone: MASKED, tier: 'normal', tags: [], identities: [{ channel: 'whatsapp', external_id: MASKED }] },
              { id: B, name: null, email: 'k***@example.com', phone: null, tier: 'normal', tags: [], identities: [{ channel: 'web', external_id: 'visitor-1' }] },
            ],
            next_cursor: null,
          },
        }
      return { body: { items: [], next_cursor: null } }
    }
    if (url.pathname === `/api/v1/customers/${A}`) return { body: { id: A, name: 'Li Wei', email: null, phone: MASKED, locale: null, tier: 'normal', tags: [], identities: [{ channel: 'whatsapp', external_id: MASKED }], merged_into: null, merge_id: null, merged_from: [], tickets: [], created_at: stamp, updated_at: stamp } }
    if (url.pathname === `/api/v1/customers/${A}/suggestions`) return { body: { items: [], next_cursor: null } }
    return undefined
  })
  await withConfig()
  signIn('supervisor@example.com')
})

describe('finding a customer', () => {
  it('asks nothing until something is typed', async () => {
    const { container } = renderWithProviders(<CustomersAdmin />)
    const form = await screen.findByRole('search', { name: 'Find a customer' })
    expect((within(form).getByTestId('customer-search-submit') as HTMLButtonElement).disabled).toBe(true)
    expect(within(form).getByLabelText('What the caller gave')).toBeTruthy()
    expect(within(form).getByLabelText('Find by')).toBeTruthy()
    expect(screen.queryByTestId('found-customers')).toBeNull()
    await expectNoSeriousViolations(container)
    expect(lookups()).toEqual([])
  })

  it('by phone: the masked customers found, and one opens', async () => {
    const user = userEvent.setup()
    const { container } = renderWithProviders(<CustomersAdmin />)
    await user.type(screen.getByTestId('customer-search-value'), '138 1234 5678')
    await user.click(screen.getByTestId('customer-search-submit'))
    const found = await screen.findByTestId('found-customers')
    expect(lookups()).toEqual([{ phone: '138 1234 5678' }])
    expect(within(found).getByTestId(`found-customer-${A}`).textContent).toContain(`Li Wei · ${MASKED}`)
    expect(within(found).getByTestId(`found-customer-${B}`).textContent).toContain('k***@example.com')
    await expectNoSeriousViolations(container)
    await user.click(within(found).getByTestId(`found-customer-${A}`))
    const card = await screen.findByTestId('customer-card')
    expect(within(card).getByText(A)).toBeTruthy()
    expect(within(found).getByTestId(`found-customer-${A}`).getAttribute('aria-pressed')).toBe('true')
  })

  it('by channel id: the channel goes with the id', async () => {
    const user = userEvent.setup()
    renderWithProviders(<CustomersAdmin />)
    await user.selectOptions(screen.getByTestId('customer-search-kind'), 'channel')
    await user.selectOptions(screen.getByTestId('customer-search-channel'), 'line')
    await user.type(screen.getByTestId('customer-search-value'), 'U1234')
    await user.click(screen.getByTestId('customer-search-submit'))
    await screen.findByTestId(`found-customer-${A}`)
    expect(lookups()).toEqual([{ channel: 'line', external_id: 'U1234' }])
  })

  it('says when no customer is found, and shows the API’s refusal', async () => {
    const user = userEvent.setup()
    renderWithProviders(<CustomersAdmin />)
    await user.selectOptions(screen.getByTestId('customer-search-kind'), 'email')
    await user.type(screen.getByTestId('customer-search-value'), '  nobody@example.com ')
    await user.click(screen.getByTestId('customer-search-submit'))
    expect(await screen.findByText('No customer found.')).toBeTruthy()
    expect(lookups()).toEqual([{ email: 'nobody@example.com' }])

    await user.selectOptions(screen.getByTestId('customer-search-kind'), 'phone')
    await user.clear(screen.getByTestId('customer-search-value'))
    await user.type(screen.getByTestId('customer-search-value'), 'call me')
    await user.click(screen.getByTestId('customer-search-submit'))
    expect((await screen.findByRole('alert')).textContent).toContain('phone is not a phone number')
    await waitFor(() => expect(screen.queryByText('No customer found.')).toBeNull())
  })
})
