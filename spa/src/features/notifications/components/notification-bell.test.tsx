import { screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it } from 'vitest'
import { renderWithProviders, signIn, stubFetch, withConfig } from '../../../test/helpers'
import { NotificationBell } from './notification-bell'

const items = [
  { id: 'n2', kind: 'escalated', recipient: 'supervisors#sales', ticket_id: 'T2', subject: 'Broken blender', level: 1, reason: 'Angry customer', created_at: '2026-03-01T10:05:00Z' },
  { id: 'n1', kind: 'sla_warning', recipient: 'agent#me', ticket_id: 'T1', subject: null, target: 'first_response', level: 0, due_at: '2999-01-01T00:00:00Z', created_at: '2026-03-01T10:00:00Z' },
]

beforeEach(async () => {
  stubFetch((call) => (call.url.endsWith('/api/v1/notifications') ? { body: { items, next_cursor: null } } : undefined))
  await withConfig()
  signIn()
})

describe('the notification bell', () => {
  it('counts new notifications, lists them with links, and forgets the count once opened', async () => {
    const user = userEvent.setup()
    renderWithProviders(<NotificationBell />)
    expect((await screen.findByTestId('notification-count')).textContent).toBe('2')
    const bell = screen.getByRole('button', { name: /^Notifications\s*2$/ })
    await user.click(bell)
    expect(bell.getAttribute('aria-expanded')).toBe('true')
    const listed = screen.getAllByTestId('notification-item')
    expect(listed[0].textContent).toContain('Broken blender')
    expect(listed[0].textContent).toContain('Escalated · level 1')
    expect(listed[0].textContent).toContain('Angry customer')
    expect(listed[1].textContent).toContain('SLA warning · target: first response')
    expect(screen.getByRole('link', { name: '#T1' }).getAttribute('href')).toBe('/tickets/T1')
    expect(screen.queryByTestId('notification-count')).toBeNull()
    await user.keyboard('{Escape}')
    expect(screen.queryByTestId('notification-panel')).toBeNull()
    expect(document.activeElement).toBe(bell)
  })
})
