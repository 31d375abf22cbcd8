import { screen } from '@testing-library/react'
import { beforeEach, describe, expect, it } from 'vitest'
import { i18n } from '../../../lib/i18n'
import { renderWithProviders, signIn, stubFetch, withConfig } from '../../../test/helpers'
import type { Ticket } from '../types'
import { CustomerHistory } from './customer-history'

const base: Omit<Ticket, 'id' | 'channel' | 'status'> = {
  priority: 'medium',
  type: 'consultation',
  inbox: 'x',
  customer_id: '01JCUSTOMERCUSTOMERCUSTOM0',
  assignee: null,
  tags: [],
  created_at: '2026-02-01T08:00:00Z',
  updated_at: '2026-02-01T08:00:00Z',
}

beforeEach(async () => {
  stubFetch((call) =>
    call.url.endsWith('/api/v1/customers/01JCUSTOMERCUSTOMERCUSTOM0')
      ? {
          body: {
            id: base.customer_id,
            tickets: [
              { ...base, id: 'T-NOW', channel: 'web', status: 'pending', subject: 'now' },
              { ...base, id: 'T-MAIL', channel: 'email', status: 'resolved', subject: '发票抬头错了' },
              { ...base, id: 'T-WX', channel: 'wechat', status: 'closed', subject: '', last_message_preview: '退货地址？' },
            ],
          },
        }
      : undefined,
  )
  await withConfig()
  signIn()
})

describe("the customer's earlier tickets", () => {
  it('lists the other tickets on every channel, not the one open now', async () => {
    await i18n.changeLanguage('zh-CN')
    renderWithProviders(<CustomerHistory customerId={base.customer_id} currentTicketId="T-NOW" />)
    const items = await screen.findAllByTestId('history-item')
    expect(items.map((item) => item.querySelector('a')?.textContent)).toEqual(['发票抬头错了', '退货地址？'])
    expect(items[0]?.textContent).toContain('邮件')
    expect(items[0]?.textContent).toContain('已解决')
    expect(items[1]?.textContent).toContain('微信')
    expect(items[1]?.querySelector('a')?.getAttribute('href')).toBe('/tickets/T-WX')
    expect(screen.getByRole('heading', { name: '历史工单' })).toBeTruthy()
  })

  it('says when there is no other ticket, and shows an API error rather than hiding it', async () => {
    stubFetch((call) => {
      if (call.url.endsWith('/customers/01JONLYONCEONLYONCEONLYON0'))
        return { body: { id: 'c', tickets: [{ ...base, id: 'T-NOW', channel: 'web', status: 'pending' }] } }
      return { status: 403, body: { message: 'not allowed here' } }
    })
    renderWithProviders(<CustomerHistory customerId="01JONLYONCEONLYONCEONLYON0" currentTicketId="T-NOW" />)
    expect(await screen.findByText('No other tickets from this customer.')).toBeTruthy()
    renderWithProviders(<CustomerHistory customerId="01JNOBODYNOBODYNOBODYNOBO0" currentTicketId="T-NOW" />)
    expect(await screen.findByText('not allowed here')).toBeTruthy()
  })
})
