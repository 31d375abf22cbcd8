import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it } from 'vitest'
import { i18n } from '../../../lib/i18n'
import { renderWithProviders, signIn, stubFetch, withConfig, type Call } from '../../../test/helpers'
import type { Organization, OrganizationInput } from '../api/organizations'
import { expectNoSeriousViolations } from '../test/helpers'
import { OrganizationsAdmin } from './organizations-admin'

const LI_NA = '11111111-2222-4333-8444-555555555555'
const WANG = '11111111-2222-4333-8444-666666666666'
const GONE = '11111111-2222-4333-8444-777777777777'
let organizations: Organization[]
let pageSize: number
let calls: Call[]

/** The API's list: by id, `pageSize` a page, the cursor naming the last id of the page before. */
function listPage(url: URL) {
  const after = url.searchParams.get('cursor')
  const rest = organizations.filter((o) => after === null || o.id > after)
  const items = rest.slice(0, pageSize)
  return { items, next_cursor: rest.length > pageSize ? (items.at(-1)?.id ?? null) : null }
}

beforeEach(async () => {
  organizations = [{ id: 'acme', name: 'ACME Ltd', tier: 'enterprise', team: 'b2b', agent: LI_NA, updated_at: '2026-12-01T10:00:00Z' }]
  pageSize = 50
  calls = stubFetch((call) => {
    const url = new URL(call.url, 'http://localhost')
    if (url.pathname.endsWith('/api/v1/admin/organizations') && call.method === 'GET') return { body: listPage(url) }
    const put = call.url.match(/\/api\/v1\/admin\/organizations\/([^/]+)$/)
    if (put && call.method === 'PUT') {
      const body = call.body as OrganizationInput
      if (body.agent === GONE) return { status: 400, body: { message: `no agent '${GONE}'` } }
      const saved = { ...body, id: put[1], updated_at: '2026-12-02T08:00:00Z' }
      organizations = [...organizations.filter((o) => o.id !== saved.id), saved].sort((a, b) => a.id.localeCompare(b.id))
      return { body: saved }
    }
    if (call.url.endsWith('/api/v1/admin/teams')) return { body: { items: [{ id: 'b2b', name: 'Key accounts', shifts: [] }, { id: 'finance', name: 'Finance', shifts: [] }] } }
    if (call.url.endsWith('/api/v1/agents')) {
      const agent = (id: string, name: string) => ({ id, name, email: null, teams: [], presence: 'online', load: {} })
      return { body: { items: [agent(LI_NA, 'Li Na'), agent(WANG, 'Wang Wei')] } }
    }
    return undefined
  })
  await withConfig()
  signIn('admin@example.com')
})

const puts = () => calls.filter((c) => c.method === 'PUT')
const listCursors = () => calls.filter((c) => c.method === 'GET' && c.url.includes('/admin/organizations')).map((c) => new URL(c.url, 'http://localhost').searchParams.get('cursor'))
const org = (id: string, name: string): Organization => ({ id, name, tier: 'enterprise', team: null, agent: null })

describe('the organizations screen', () => {
  it('an admin creates an organization with a team and an agent from the lists, then edits its tier', async () => {
    const user = userEvent.setup()
    const { container } = renderWithProviders(<OrganizationsAdmin />)
    const acme = await screen.findByTestId('organization-row-acme')
    expect(within(acme).getByText('Key accounts')).toBeTruthy() // the team's name, not its id
    expect(await within(acme).findByText('Li Na')).toBeTruthy() // the agent's name from the directory

    await user.click(screen.getByTestId('organization-new'))
    await user.type(screen.getByTestId('organization-id'), 'Bad Id')
    expect(screen.getByText('Lower-case letters, digits, - and _, starting with a letter.')).toBeTruthy()
    expect((screen.getByTestId('organization-save') as HTMLButtonElement).disabled).toBe(true)
    await user.clear(screen.getByTestId('organization-id'))
    await user.type(screen.getByTestId('organization-id'), 'acme')
    expect(screen.getByText('There is already an organization “acme”: edit it in the list.')).toBeTruthy()
    await user.clear(screen.getByTestId('organization-id'))
    await user.type(screen.getByTestId('organization-id'), 'zeta')
    await user.type(screen.getByTestId('organization-name'), 'Zeta Trading')
    expect((screen.getByTestId('organization-tier') as HTMLSelectElement).value).toBe('enterprise')
    await user.selectOptions(screen.getByTestId('organization-team'), 'finance')
    await user.selectOptions(screen.getByTestId('organization-agent'), screen.getByRole('option', { name: 'Wang Wei' }))
    await expectNoSeriousViolations(container)
    await user.click(screen.getByTestId('organization-save'))
    expect(await screen.findByText('Saved: Zeta Trading.')).toBeTruthy()
    expect(puts().map((c) => [c.url.split('/').pop(), c.body])).toEqual([['zeta', { name: 'Zeta Trading', tier: 'enterprise', team: 'finance', agent: WANG }]])
    const zeta = await screen.findByTestId('organization-row-zeta')
    expect(zeta.textContent).toContain('Finance')
    expect(zeta.textContent).toContain('Wang Wei')

    // the edit keeps the id, the team and the agent, and changes the tier only
    await user.click(screen.getByTestId('organization-edit-zeta'))
    expect(screen.getByRole('heading', { name: 'Edit organization “zeta”' })).toBeTruthy()
    expect((screen.getByTestId('organization-id') as HTMLInputElement).disabled).toBe(true)
    await user.selectOptions(screen.getByTestId('organization-tier'), 'vip')
    await user.click(screen.getByTestId('organization-save'))
    await screen.findByText('Saved: Zeta Trading.')
    expect(puts()[1].body).toEqual({ name: 'Zeta Trading', tier: 'vip', team: 'finance', agent: WANG })
    expect(await within(screen.getByTestId('organization-row-zeta')).findByText('VIP')).toBeTruthy()
  })

  it("a refused save shows the API's message, keeps the form open and the list as it was", async () => {
    const user = userEvent.setup()
    organizations = [{ id: 'acme', name: 'ACME Ltd', tier: 'enterprise', team: null, agent: GONE }]
    renderWithProviders(<OrganizationsAdmin />)
    const row = await screen.findByTestId('organization-row-acme')
    expect(await within(row).findByText(`Unknown agent (${GONE})`)).toBeTruthy()
    await user.click(screen.getByTestId('organization-edit-acme'))
    // the stored agent stays chosen though the directory no longer has them
    expect((screen.getByTestId('organization-agent') as HTMLSelectElement).value).toBe(GONE)
    await user.click(screen.getByTestId('organization-save'))
    expect((await screen.findByRole('alert')).textContent).toContain(`no agent '${GONE}'`)
    expect(screen.getByTestId('organization-form')).toBeTruthy()
    // choosing no agent saves
    await user.selectOptions(screen.getByTestId('organization-agent'), '')
    await user.click(screen.getByTestId('organization-save'))
    expect(await screen.findByText('Saved: ACME Ltd.')).toBeTruthy()
    expect(puts()[1].body).toEqual({ name: 'ACME Ltd', tier: 'enterprise', team: null, agent: null })
  })

  it('the list comes a page at a time: load more asks for the next page with the cursor, and goes at the end', async () => {
    const user = userEvent.setup()
    pageSize = 2
    organizations = [org('acme', 'ACME Ltd'), org('bolt', 'Bolt'), org('cargo', 'Cargo'), org('delta', 'Delta'), org('echo', 'Echo')]
    renderWithProviders(<OrganizationsAdmin />)
    await screen.findByTestId('organization-row-bolt')
    expect(screen.queryByTestId('organization-row-cargo')).toBeNull()
    await user.click(screen.getByTestId('organization-load-more'))
    await screen.findByTestId('organization-row-delta')
    await user.click(screen.getByRole('button', { name: 'Load more' }))
    await screen.findByTestId('organization-row-echo')
    expect(screen.queryByTestId('organization-load-more')).toBeNull()
    expect(within(screen.getByTestId('organization-list')).getAllByRole('row')).toHaveLength(6) // the head and five
    expect(listCursors()).toEqual([null, 'bolt', 'delta'])
  })

  it('a new id is checked against the pages not loaded yet: a taken one is refused, a free one saved and shown', async () => {
    const user = userEvent.setup()
    pageSize = 2
    organizations = [org('acme', 'ACME Ltd'), org('bolt', 'Bolt'), org('cargo', 'Cargo'), org('zeta', 'Zeta Trading')]
    renderWithProviders(<OrganizationsAdmin />)
    await screen.findByTestId('organization-row-bolt')
    await user.click(screen.getByTestId('organization-new'))
    await user.type(screen.getByTestId('organization-id'), 'zeta')
    await user.type(screen.getByTestId('organization-name'), 'Another Zeta')
    await user.click(screen.getByTestId('organization-save'))
    // the pages up to "zeta" are loaded, and it is there: nothing is saved over it
    expect(await screen.findByText('There is already an organization “zeta”: edit it in the list.')).toBeTruthy()
    expect(screen.getByTestId('organization-row-zeta').textContent).toContain('Zeta Trading')
    expect(puts()).toEqual([])
    expect(listCursors()).toEqual([null, 'bolt'])

    await user.clear(screen.getByTestId('organization-id'))
    await user.type(screen.getByTestId('organization-id'), 'yonder')
    await user.click(screen.getByTestId('organization-save'))
    expect(await screen.findByText('Saved: Another Zeta.')).toBeTruthy()
    expect(puts().map((c) => c.url.split('/').pop())).toEqual(['yonder'])
    expect(await screen.findByTestId('organization-row-yonder')).toBeTruthy() // in the pages the list refetched
  })

  it('a new id that sorts before the end of the loaded pages is saved without loading more', async () => {
    const user = userEvent.setup()
    pageSize = 2
    organizations = [org('acme', 'ACME Ltd'), org('bolt', 'Bolt'), org('cargo', 'Cargo')]
    renderWithProviders(<OrganizationsAdmin />)
    await screen.findByTestId('organization-row-bolt')
    await user.click(screen.getByTestId('organization-new'))
    await user.type(screen.getByTestId('organization-id'), 'atlas')
    await user.type(screen.getByTestId('organization-name'), 'Atlas')
    await user.click(screen.getByTestId('organization-save'))
    expect(await screen.findByText('Saved: Atlas.')).toBeTruthy()
    expect(puts().map((c) => c.url.split('/').pop())).toEqual(['atlas'])
    expect(listCursors().slice(0, 1)).toEqual([null]) // then the refetch of the loaded page, never the next one
    expect(listCursors()).not.toContain('bolt')
  })

  it('an empty list says so, in Chinese too', async () => {
    organizations = []
    renderWithProviders(<OrganizationsAdmin />)
    expect(await screen.findByText('No organizations yet.')).toBeTruthy()
    await i18n.changeLanguage('zh-CN')
    expect(await screen.findByText('尚无组织。')).toBeTruthy()
    expect(screen.getByRole('button', { name: '新建组织' })).toBeTruthy()
  })
})
