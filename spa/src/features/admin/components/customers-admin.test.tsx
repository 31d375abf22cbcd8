import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it } from 'vitest'
import { renderWithProviders, signIn, stubFetch, withConfig, type Call } from '../../../test/helpers'
import type { Customer } from '../api'
import { expectNoSeriousViolations } from '../test/helpers'
import { CustomersAdmin } from './customers-admin'

const A = '01JCSTMRAAAAAAAAAAAAAAAAAA'
const B = '01JCSTMRBBBBBBBBBBBBBBBBBB'
const MERGE = '01JMRGEMRGEMRGEMRGEMRGEMRG'
const stamp = '2026-12-01T10:00:00Z'
let customers: Record<string, Customer>
let calls: Call[]

const customer = (id: string, fields: Partial<Customer>): Customer => ({ id, name: null, email: null, phone: null, locale: null, tier: 'normal', tags: [], identities: [], merged_into: null, merge_id: null, merged_from: [], tickets: [], created_at: stamp, updated_at: stamp, ...fields })

beforeEach(async () => {
  customers = {
    [A]: customer(A, { name: 'Li Wei', phone: '+8613812345678', identities: [{ channel: 'whatsapp', external_id: '+8613812345678' }] }),
    [B]: customer(B, { name: 'Wei (web)', identities: [{ channel: 'web', external_id: 'visitor-1' }] }),
  }
  calls = stubFetch((call) => {
    const url = new URL(call.url, 'http://x')
    if (url.pathname === '/api/v1/tickets') return { body: { items: [{ id: '01JTICKETTICKETTICKETTICKE', customer_id: A, customer_name: 'Li Wei', channel: 'whatsapp', status: 'pending', priority: 'medium', type: 'consultation', inbox: 'wa', assignee: null, tags: [], created_at: stamp, updated_at: stamp }], next_cursor: null } }
    const suggestions = /^\/api\/v1\/customers\/(\w+)\/suggestions$/.exec(url.pathname)
    if (suggestions) {
      const id = suggestions[1]
      const other = id === A ? B : A
      const merged = customers[A].merged_into || customers[B].merged_into
      return { body: { items: merged ? [] : [{ customer_id: other, key_kind: 'phone', key_value: '+8613812345678', reason: 'declared_contact', created_at: stamp }] } }
    }
    const one = /^\/api\/v1\/customers\/(\w+)$/.exec(url.pathname)
    if (one) return customers[one[1]] ? { body: customers[one[1]] } : { status: 404, body: { message: `no customer ${one[1]}` } }
    if (url.pathname === '/api/v1/admin/customers/merge') {
      const body = call.body as { source_id: string; target_id: string; reason: string }
      const source = customers[body.source_id]
      customers[body.target_id] = { ...customers[body.target_id], identities: [...customers[body.target_id].identities, ...source.identities], merged_from: [body.source_id] }
      customers[body.source_id] = { ...source, merged_into: body.target_id, merge_id: MERGE }
      return { body: { merge_id: MERGE, ...body, identities: source.identities, actor_id: 'x', created_at: stamp, undone_at: null, undone_by: null } }
    }
    if (url.pathname === '/api/v1/admin/customers/unmerge') {
      customers[B] = { ...customers[B], merged_into: null, merge_id: null }
      customers[A] = { ...customers[A], identities: customers[A].identities.filter((i) => i.channel !== 'web'), merged_from: [] }
      return { body: { merge_id: MERGE, source_id: B, target_id: A, identities: [], reason: 'r', actor_id: 'x', created_at: stamp, undone_at: stamp, undone_by: 'x' } }
    }
    return undefined
  })
  await withConfig()
  signIn('supervisor@example.com')
})

describe('the customers screen', () => {
  it('a supervisor opens a recent customer, merges a suggested duplicate in with a reason, and undoes it', async () => {
    const user = userEvent.setup()
    const { container } = renderWithProviders(<CustomersAdmin />)
    await user.click(await screen.findByTestId(`recent-customer-${A}`))
    const card = await screen.findByTestId('customer-card')
    const suggestions = await within(card).findByTestId('customer-suggestions')
    await within(suggestions).findByText('Wei (web)')
    expect(suggestions.textContent).toContain('Shared phone: +8613812345678')
    expect(suggestions.textContent).toContain('a contact typed by one of them')
    await user.click(within(suggestions).getByTestId(`merge-here-${B}`))
    const confirm = screen.getByTestId('merge-confirm') as HTMLButtonElement
    expect(confirm.disabled).toBe(true) // a reason is required
    await user.type(screen.getByTestId('merge-reason'), 'Same phone, confirmed on the call')
    await expectNoSeriousViolations(container)
    await user.click(confirm)
    expect((await screen.findByTestId('customer-notice')).textContent).toContain('Merged: 1 identity moved to Li Wei')
    expect(calls.find((c) => c.url.endsWith('/admin/customers/merge'))?.body).toEqual({ source_id: B, target_id: A, reason: 'Same phone, confirmed on the call' })
    await waitFor(() => expect(screen.getByTestId('customer-identities').textContent).toContain('visitor-1'))

    await user.click(screen.getByTestId('merge-undo'))
    expect((await screen.findByTestId('customer-notice')).textContent).toContain('The merge was undone')
    expect(calls.find((c) => c.url.endsWith('/admin/customers/unmerge'))?.body).toEqual({ merge_id: MERGE })
    await waitFor(() => expect(screen.getByTestId('customer-identities').textContent).not.toContain('visitor-1'))
  })

  it('a merged customer (by id) shows where it went, and can be unmerged from there', async () => {
    customers[B] = { ...customers[B], merged_into: A, merge_id: MERGE }
    const user = userEvent.setup()
    renderWithProviders(<CustomersAdmin />)
    await user.type(screen.getByTestId('customer-find'), 'not-an-id')
    expect(screen.getByText('A customer id has 26 characters (0-9, A-Z).')).toBeTruthy()
    await user.clear(screen.getByTestId('customer-find'))
    await user.type(screen.getByTestId('customer-find'), B.toLowerCase())
    await user.click(screen.getByTestId('customer-open'))
    expect((await screen.findByTestId('customer-tombstone')).textContent).toContain('This customer was merged into')
    await user.click(screen.getByTestId('customer-unmerge'))
    await waitFor(() => expect(screen.queryByTestId('customer-tombstone')).toBeNull())
  })
})
