import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { renderWithProviders, signIn, stubFetch, withConfig, type Call } from '../../../test/helpers'
import { CustomerNotes } from './customer-notes'
import { EscalateButton } from './escalate-button'

const CUSTOMER = '01JCUSTOMERCUSTOMERCUSTOM0'
const ME = '11111111-1111-4111-8111-111111111111'
const OTHER = '22222222-2222-4222-8222-222222222222'
const names: Record<string, string> = { [ME]: 'Li Na (you)', [OTHER]: 'Wang Wei' }

let notes: { id: string; customer_id: string; body: string; author_id: string; author_email?: string; created_at: string }[]
let calls: Call[]

beforeEach(async () => {
  notes = [
    { id: '01JNOTENOTENOTENOTENOTENO1', customer_id: CUSTOMER, body: 'Prefers email', author_id: OTHER, created_at: '2026-03-01T10:00:00Z' },
    { id: '01JNOTENOTENOTENOTENOTENO0', customer_id: CUSTOMER, body: 'Old', author_id: 'nobody', author_email: 'new@example.com', created_at: '2026-02-01T10:00:00Z' },
  ]
  calls = stubFetch((call) => {
    const base = `/api/v1/customers/${CUSTOMER}/notes`
    if (call.url.endsWith(base) && call.method === 'GET') return { body: { items: notes } }
    if (call.url.endsWith(base) && call.method === 'POST') {
      const note = { id: '01JNOTENOTENOTENOTENOTENO2', customer_id: CUSTOMER, body: (call.body as { body: string }).body, author_id: ME, created_at: new Date().toISOString() }
      notes = [note, ...notes]
      return { status: 201, body: note }
    }
    if (call.method === 'DELETE' && call.url.includes(`${base}/`)) {
      notes = notes.filter((n) => !call.url.endsWith(n.id))
      return { status: 204 }
    }
    if (call.url.endsWith('/api/v1/tickets/T1/escalate')) return { body: { id: 'T1', escalation_level: 1 } }
    return undefined
  })
  await withConfig()
  signIn()
})

describe('customer notes', () => {
  it('lists notes by author name, adds one, and lets the author delete only their own', async () => {
    const user = userEvent.setup()
    renderWithProviders(<CustomerNotes customerId={CUSTOMER} currentAgentId={ME} agentName={(id) => names[id] ?? 'Unknown agent'} knownAgentIds={[ME, OTHER]} />)
    const [first] = await screen.findAllByTestId('customer-note')
    expect(first.textContent).toContain('Prefers email')
    expect(first.textContent).toContain('Wang Wei')
    expect(screen.getByText(/new@example.com/)).toBeTruthy() // not in the directory yet: the note's email
    expect(screen.queryByTestId('delete-note')).toBeNull() // someone else's note, and not a supervisor

    await user.type(screen.getByLabelText('New note'), 'VIP since 2020, call before noon')
    await user.click(screen.getByTestId('note-submit'))
    await waitFor(() => expect(screen.getAllByTestId('customer-note')).toHaveLength(3))
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ body: 'VIP since 2020, call before noon' })
    expect((screen.getByTestId('note-input') as HTMLTextAreaElement).value).toBe('')

    vi.spyOn(window, 'confirm').mockReturnValue(true)
    const remove = screen.getAllByTestId('delete-note')
    expect(remove).toHaveLength(1)
    await user.click(remove[0])
    await waitFor(() => expect(screen.getAllByTestId('customer-note')).toHaveLength(2))
    expect(calls.some((c) => c.method === 'DELETE' && c.url.endsWith('01JNOTENOTENOTENOTENOTENO2'))).toBe(true)
  })

  it('a supervisor may delete anyone’s note', async () => {
    renderWithProviders(<CustomerNotes customerId={CUSTOMER} currentAgentId={ME} canDeleteAny agentName={(id) => names[id] ?? ''} />)
    await screen.findAllByTestId('customer-note')
    expect(screen.getAllByTestId('delete-note')).toHaveLength(2)
  })
})

describe('escalate', () => {
  it('asks for a reason and says which level the ticket reached', async () => {
    const user = userEvent.setup()
    renderWithProviders(<EscalateButton ticketId="T1" />)
    await user.click(screen.getByTestId('escalate-button'))
    expect((screen.getByTestId('escalate-submit') as HTMLButtonElement).disabled).toBe(true)
    await user.type(screen.getByLabelText('Reason'), 'Customer threatens legal action')
    await user.click(screen.getByTestId('escalate-submit'))
    expect((await screen.findByTestId('escalate-done')).textContent).toBe('Escalated to level 1.')
    expect(calls.find((c) => c.url.endsWith('/escalate'))?.body).toEqual({ reason: 'Customer threatens legal action' })
  })
})
