import { screen, waitFor, within } from '@testing-library/react'
import { beforeEach, describe, expect, it } from 'vitest'
import { i18n } from '../../../lib/i18n'
import { renderWithProviders, signIn, stubFetch, withConfig } from '../../../test/helpers'
import { loadShare, type LiveMetrics } from '../api/get-live-metrics'
import { Floor } from './floor'

const AGENT = '11111111-1111-4111-8111-111111111111'

const FIGURES: LiveMetrics = {
  generated_at: '2026-03-01T10:00:00Z',
  routing: {
    queues: [{ team: 'sales', kind: 'chat', waiting: 3, longest_wait_seconds: 42 }],
    teams: [
      { team: 'sales', waiting: 3, longest_wait_seconds: 42 },
      { team: 'after_sales', waiting: 1, longest_wait_seconds: 700 },
    ],
    assignments_today: [{ team: null, assigned: 7, average_wait_seconds: 30, median_wait_seconds_at_most: 30 }],
    agents_online: 2,
    agents: [{ id: AGENT, teams: ['sales'], load: { chat: 2, ticket: 1 }, capacity: { chat: 3, ticket: 3 } }],
  },
  sla: { at_risk: 2, breaches_today: 1, first_responses_today: 5, average_first_response_seconds: 90, teams: [] },
}

let answers: LiveMetrics[]

beforeEach(async () => {
  answers = [FIGURES]
  stubFetch((call) => {
    if (call.url.endsWith('/api/v1/metrics/live')) return { body: answers.length > 1 ? answers.shift() : answers[0] }
    return undefined
  })
  await withConfig()
  signIn()
})

describe('the floor', () => {
  it('shows the sections the API sends: queues, agents by name with their load, SLA; no bot section without kb', async () => {
    renderWithProviders(<Floor agentName={(id) => (id === AGENT ? 'Li Na' : 'Unknown agent')} />)
    expect((await screen.findByTestId('floor-agents-online')).textContent).toContain('2')
    expect(screen.getByTestId('floor-waiting').textContent).toContain('4')
    expect(screen.getByTestId('floor-at-risk').textContent).toContain('2')
    expect(screen.getByTestId('floor-breaches').textContent).toContain('1')
    const agent = screen.getByTestId('floor-agent')
    expect(agent.textContent).toContain('Li Na')
    expect(agent.textContent).toContain('3 of 6')
    const queues = within(screen.getByTestId('floor-queue-table'))
    expect(queues.getByText('Chat')).toBeTruthy()
    expect(queues.getByText(/^42\s?(s|sec)\.?$/)).toBeTruthy()
    expect(screen.getByRole('img', { name: 'Tickets waiting per team' })).toBeTruthy()
    expect(screen.queryByTestId('floor-bot-conversations')).toBeNull()
  })

  it('renders the bot figures when the kb section is there, in Chinese too', async () => {
    answers = [{ ...FIGURES, kb: { day: '2026-03-01', bot_conversations: 10, bot_answers: 8, bot_resolved_confirmed_by_customer: 4, bot_handoffs: 3, bot_handoffs_by_reason: { requested: 2, low_confidence: 1 }, bot_resolution_rate: 0.4, handoff_rate: 0.3, helpful_votes: 5, not_helpful_votes: 1, helpful_share: 0.83 } }]
    await i18n.changeLanguage('zh-CN')
    renderWithProviders(<Floor agentName={() => 'Li Na'} />)
    expect((await screen.findByTestId('floor-bot-conversations')).textContent).toContain('10')
    expect(screen.getByText('40%')).toBeTruthy()
    expect(screen.getByRole('heading', { name: '实时现场' })).toBeTruthy()
    expect(screen.getByRole('img', { name: '转人工原因' })).toBeTruthy()
  })

  it('counts load over every kind against capacity', () => {
    expect(loadShare({ id: 'a', teams: [], load: { chat: 3 }, capacity: { chat: 3, ticket: 0 } })).toEqual({ load: 3, capacity: 3, share: 1 })
    expect(loadShare({ id: 'a', teams: [], load: {}, capacity: {} }).share).toBeNull()
  })
})

describe('refresh', () => {
  it('polls and shows the newer figures', async () => {
    answers = [FIGURES, { ...FIGURES, generated_at: '2026-03-01T10:00:05Z', routing: { ...FIGURES.routing!, agents_online: 5 } }]
    renderWithProviders(<Floor agentName={() => 'Li Na'} />)
    await screen.findByTestId('floor-agents-online')
    await waitFor(() => expect(screen.getByTestId('floor-agents-online').textContent).toContain('5'), { timeout: 12_000 })
  }, 15_000)
})
