import { screen } from '@testing-library/react'
import { beforeEach, describe, expect, it } from 'vitest'
import { renderWithProviders, signIn, stubFetch, withConfig } from '../../../test/helpers'
import { CustomerOrders } from './customer-orders'

const CUSTOMER = '01JCUSTOMERCUSTOMERCUSTOM0'
let answer: { status?: number; body: unknown }

beforeEach(async () => {
  stubFetch((call) => (call.url.includes(`/api/v1/customers/${CUSTOMER}/orders`) ? answer : undefined))
  await withConfig()
  signIn()
})

describe('customer orders', () => {
  it('lists the orders with status, tracking and the expected date', async () => {
    answer = {
      body: {
        status: 'ok',
        items: [
          {
            order_number: 'KF10001',
            status: 'in_transit',
            placed_at: '2026-11-28T10:00:00Z',
            items: [{ name: 'Earbuds', quantity: 1 }],
            carrier: 'SF Express',
            tracking_number: 'SF123',
            estimated_delivery: '2026-12-02',
          },
          { order_number: 'KF10009', status: 'customs-hold', status_label: 'customs-hold', placed_at: '2026-11-01T10:00:00Z', items: [] },
        ],
        next_cursor: null,
      },
    }
    renderWithProviders(<CustomerOrders customerId={CUSTOMER} />)
    const [first, second] = await screen.findAllByTestId('customer-order')
    expect(first.textContent).toContain('KF10001')
    expect(first.textContent).toContain('In transit')
    expect(first.textContent).toContain('SF Express SF123')
    expect(first.textContent).toContain('Expected 2026-12-02')
    expect(second.textContent).toContain('customs-hold') // the order system's own word
  })

  it.each([
    ['not_configured', 'No order system is connected.'],
    ['unavailable', 'The order system is unavailable right now.'],
  ])('says plainly when the order system is %s', async (status, text) => {
    answer = { body: { status, message: 'x', items: [], next_cursor: null } }
    renderWithProviders(<CustomerOrders customerId={CUSTOMER} />)
    expect((await screen.findByTestId('orders-state')).textContent).toBe(text)
  })
})
