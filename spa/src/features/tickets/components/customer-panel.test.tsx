import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it } from 'vitest'
import { useMe } from '../../auth/api/get-me'
import { renderWithProviders, signIn, stubFetch, withConfig, type Call } from '../../../test/helpers'
import type { CustomerSummary } from '../types'
import { CustomerPanel } from './customer-panel'

const CUSTOMER: CustomerSummary = {
  id: '01JCUSTOMERCUSTOMERCUSTOM0',
  name: 'Kerry',
  tier: 'normal',
  phone: '+86138****5678',
  email: 'k***@example.com',
  identities: [{ channel: 'whatsapp', external_id: '+86138****5678' }],
}

/** Renders once `/me` has answered: from then on the panel has the same answer (one query client). */
function MeLoaded() {
  const me = useMe()
  return me.data ? <span data-testid="me-loaded" /> : null
}

let calls: Call[]
let permissions: string[]

beforeEach(async () => {
  permissions = []
  calls = stubFetch((call) => {
    if (call.url.endsWith('/api/v1/me')) return { body: { id: 'me', roles: ['supervisor'], permissions } }
    if (call.url.endsWith(`/api/v1/customers/${CUSTOMER.id}/reveal`)) {
      return {
        body: {
          customer_id: CUSTOMER.id,
          fields: ['phone', 'email', 'identities'],
          phone: '+8613812345678',
          email: 'kerry@example.com',
          identities: [{ channel: 'whatsapp', external_id: '+8613812345678' }],
          audit_id: '01JAUDITAUDITAUDITAUDITAU0',
          revealed_at: '2026-03-01T10:00:00.000Z',
        },
      }
    }
    return undefined
  })
  await withConfig()
  signIn()
})

describe('customer panel', () => {
  it('shows masked contacts and no reveal button to a caller without the permission', async () => {
    permissions = []
    renderWithProviders(
      <>
        <CustomerPanel customer={CUSTOMER} customerId={CUSTOMER.id} />
        <MeLoaded />
      </>,
    )
    await screen.findByTestId('me-loaded')
    expect(screen.getByTestId('customer-phone').textContent).toBe('+86138****5678')
    expect(screen.getByTestId('customer-email').textContent).toBe('k***@example.com')
    expect(screen.queryByTestId('reveal-button')).toBeNull()
  })

  it('reveals with a reason for a caller with the permission, and asks for every masked field', async () => {
    permissions = ['customer.reveal_contacts']
    const user = userEvent.setup()
    renderWithProviders(<CustomerPanel customer={CUSTOMER} customerId={CUSTOMER.id} />)
    expect(screen.getByTestId('customer-phone').textContent).toBe('+86138****5678')
    await user.click(await screen.findByTestId('reveal-button'))
    expect((screen.getByTestId('reveal-submit') as HTMLButtonElement).disabled).toBe(true) // no reason yet
    await user.type(screen.getByLabelText('Reason'), 'Customer asked for a call back')
    await user.click(screen.getByTestId('reveal-submit'))
    await waitFor(() => expect(screen.getByTestId('customer-phone').textContent).toBe('+8613812345678'))
    expect(screen.getByTestId('customer-email').textContent).toBe('kerry@example.com')
    expect(screen.getByTestId('customer-identities').textContent).toContain('+8613812345678')
    expect(screen.getByTestId('reveal-done').textContent).toContain('audit log')
    expect(screen.queryByTestId('reveal-button')).toBeNull()
    const post = calls.find((c) => c.url.endsWith('/reveal'))
    expect(post?.method).toBe('POST')
    expect(post?.body).toEqual({ fields: ['phone', 'email', 'identities'], reason: 'Customer asked for a call back' })
  })
})
