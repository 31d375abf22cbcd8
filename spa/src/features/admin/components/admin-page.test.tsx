import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter, Route, Routes } from 'react-router'
import { beforeEach, describe, expect, it } from 'vitest'
import { i18n } from '../../../lib/i18n'
import { signIn, stubFetch, withConfig } from '../../../test/helpers'
import { expectNoSeriousViolations } from '../test/helpers'
import { AdminPage } from './admin-page'

const stamp = '2026-12-01T10:00:00Z'

beforeEach(async () => {
  stubFetch((call) => {
    if (call.url.endsWith('/admin/inboxes')) return { body: { items: [{ id: 'web', channel: 'web', name: 'Web', credentials: {}, api_base: null, public_url: null, created_at: stamp, updated_at: stamp }] } }
    if (call.url.endsWith('/admin/sla-policies')) return { body: { revision: 0, policies: [{ id: 'default', name: 'Normal', first_response: 'PT15M', resolution: 'PT24H', calendar: 'calendar', warn_at: 0.8, expert_team: 'experts', reassign_on_breach: false, version: 1 }] } }
    return undefined
  })
  await withConfig()
  signIn('admin@example.com')
})

function renderAt(path: string, roles: string[]) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/admin/*" element={<AdminPage roles={roles} />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  )
}

describe('the administration page', () => {
  it('an admin gets every section; a supervisor only what the API lets them do; an agent none', async () => {
    const admin = renderAt('/admin', ['agent', 'admin'])
    const nav = screen.getByRole('navigation', { name: 'Administration sections' })
    expect(within(nav).getAllByRole('link').map((a) => a.textContent)).toEqual(['Inboxes', 'Agents & teams', 'Organizations', 'Routing rules', 'SLA policies', 'Articles', 'Customers'])
    await screen.findByTestId('inbox-list') // /admin opens the first section
    expect(screen.getByTestId('inbox-new')).toBeTruthy()
    admin.unmount()

    const supervisor = renderAt('/admin/rules', ['supervisor'])
    expect(within(screen.getByRole('navigation')).getAllByRole('link').map((a) => a.textContent)).toEqual(['Inboxes', 'Articles', 'Customers'])
    await screen.findByTestId('inbox-list') // a section they may not open leads back to the first
    expect(screen.queryByTestId('inbox-new')).toBeNull()
    supervisor.unmount()

    renderAt('/admin', ['agent'])
    expect(screen.getByText('Only supervisors and admins can open the administration screens.')).toBeTruthy()
  })

  it('speaks Chinese, is keyboard-reachable and has no serious axe violation in either language', async () => {
    const user = userEvent.setup()
    const { container } = renderAt('/admin/sla', ['admin'])
    await screen.findByTestId('sla-list')
    await expectNoSeriousViolations(container)
    await i18n.changeLanguage('zh-CN')
    expect(await screen.findByRole('heading', { name: '系统管理' })).toBeTruthy()
    expect(screen.getByRole('link', { name: 'SLA 策略' }).getAttribute('aria-current')).toBe('page')
    expect(screen.getByRole('columnheader', { name: '首次响应' })).toBeTruthy()
    await user.click(screen.getByTestId('sla-edit-default'))
    expect(screen.getAllByText(/即 15分钟/).length).toBeGreaterThan(0)
    await expectNoSeriousViolations(container)
    // the sub-navigation is reached with Tab
    ;(document.activeElement as HTMLElement | null)?.blur()
    await user.tab()
    expect(document.activeElement?.textContent).toBe('接入渠道')
  })
})
