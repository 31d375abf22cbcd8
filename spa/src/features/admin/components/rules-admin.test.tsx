import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it } from 'vitest'
import { renderWithProviders, signIn, stubFetch, withConfig, type Call } from '../../../test/helpers'
import type { Rule, RuleSpec } from '../api'
import { expectNoSeriousViolations } from '../test/helpers'
import { RulesAdmin } from './rules-admin'

const hours = { timezone: 'Asia/Shanghai', days: [0, 1, 2, 3, 4, 5, 6], opens: '09:00:00', closes: '21:00:00', holidays: [] }
let rules: Rule[]
let revision: number
let calls: Call[]

beforeEach(async () => {
  revision = 0
  rules = [
    { id: 'refund', name: 'Refunds', position: 20, enabled: true, on: ['created', 'customer_message'], stop: false, version: 1, conditions: { keywords: ['退款', 'refund'], inboxes: ['web'] }, actions: { type: 'after_sales', priority: 'high', team: 'finance' } },
    { id: 'vip', name: 'VIP', position: 100, enabled: true, on: ['created'], stop: false, version: 1, conditions: { tiers: ['vip'] }, actions: { priority_steps: 1 } },
  ]
  calls = stubFetch((call) => {
    if (call.url.endsWith('/api/v1/admin/rules') && call.method === 'GET') return { body: { revision, rules, business_hours: hours } }
    if (call.url.endsWith('/api/v1/admin/rules') && call.method === 'POST') {
      const spec = call.body as RuleSpec
      if (spec.conditions.patterns?.includes('(oops')) return { status: 400, body: { message: "conditions.patterns: '(oops' is not a regular expression" } }
      const before = rules.find((r) => r.id === spec.id)
      const rule = { ...spec, version: (before?.version ?? 0) + 1 }
      rules = [...rules.filter((r) => r.id !== spec.id), rule].sort((a, b) => a.position - b.position)
      revision += 1
      return { status: 201, body: rule }
    }
    if (call.url.endsWith('/api/v1/admin/rules/dry-run')) {
      const sample = call.body as { text: string; tier: string }
      const hits = []
      if (/refund|退款|invoice/.test(sample.text)) hits.push({ rule_id: 'refund', rule_version: rules[0].version, rule_name: rules[0].name, changes: { priority: { from: 'medium', to: 'high' }, team: { to: 'finance' } } })
      if (sample.tier === 'vip') hits.push({ rule_id: 'vip', rule_version: 1, rule_name: 'VIP', changes: { priority: { from: 'high', to: 'urgent' } } })
      return { body: { hits, type: hits.length ? 'after_sales' : 'consultation', priority: sample.tier === 'vip' ? 'urgent' : 'high', team: hits.length ? 'finance' : null, tags: [], auto_replies: [] } }
    }
    return undefined
  })
  await withConfig()
  signIn('admin@example.com')
})

describe('the routing rules screen', () => {
  it('an admin edits a rule (a new version, unseen conditions kept) and dry-runs a sample', async () => {
    const user = userEvent.setup()
    const { container } = renderWithProviders(<RulesAdmin />)
    const list = await screen.findByTestId('rule-list')
    expect(within(list).getAllByRole('row').map((r) => r.getAttribute('data-testid'))).toEqual([null, 'rule-row-refund', 'rule-row-vip'])
    await user.click(screen.getByTestId('rule-edit-refund'))
    expect(screen.getByRole('heading', { name: 'Edit rule “refund” (version 1)' })).toBeTruthy()
    const keywords = screen.getByTestId('rule-keywords')
    expect((keywords as HTMLInputElement).value).toBe('退款, refund')
    await user.type(keywords, ', invoice')
    await user.clear(screen.getByTestId('rule-add-tags'))
    await user.type(screen.getByTestId('rule-add-tags'), 'billing')
    await expectNoSeriousViolations(container)
    await user.click(screen.getByTestId('rule-save'))
    expect((await screen.findByText(/Saved\. Refunds · Version 2/)).textContent).toBeTruthy()
    const saved = calls.find((c) => c.method === 'POST' && c.url.endsWith('/admin/rules'))?.body as RuleSpec
    expect(saved.conditions.keywords).toEqual(['退款', 'refund', 'invoice'])
    expect(saved.conditions.inboxes).toEqual(['web']) // not on the form, kept
    expect(saved.actions).toMatchObject({ type: 'after_sales', priority: 'high', team: 'finance', add_tags: ['billing'] })

    await user.type(screen.getByTestId('dry-text'), 'I want an invoice')
    await user.selectOptions(screen.getByTestId('dry-tier'), 'vip')
    await user.click(screen.getByTestId('dry-run-submit'))
    const result = await screen.findByTestId('dry-result')
    expect(within(result).getByTestId('dry-hit-refund').textContent).toContain('priority: medium → high')
    expect(within(result).getByTestId('dry-hit-vip')).toBeTruthy()
    expect(within(result).getByTestId('dry-priority').textContent).toBe('Urgent')
    expect(screen.getByTestId('rule-row-refund').textContent).toContain('hits the sample')
    expect(calls.find((c) => c.url.endsWith('/dry-run'))?.body).toEqual({ text: 'I want an invoice', channel: 'web', tier: 'vip', trigger: 'created' })
    await expectNoSeriousViolations(container)
  })

  it('an admin turns on a night duty that arrived disabled: its handoff trigger and localized replies are kept', async () => {
    const reply = { 'zh-CN': '现在是非工作时间，{back_at} 回复您。', en: 'We are back {back_at}.' }
    const night: Rule = { id: 'night_duty', name: 'Night duty', position: 1000, enabled: false, on: ['created', 'handoff'], stop: false, version: 1, updated_by: 'kefu', conditions: { team_hours: 'closed', bot_active: false }, actions: { auto_reply_localized: reply } }
    rules = [...rules, night]
    const user = userEvent.setup()
    renderWithProviders(<RulesAdmin />)
    await user.click(await screen.findByTestId('rule-edit-night_duty'))
    expect((screen.getByLabelText('the bot’s handoff to people') as HTMLInputElement).checked).toBe(true)
    expect((screen.getByLabelText('a customer’s follow-up') as HTMLInputElement).checked).toBe(false)
    await user.click(screen.getByTestId('rule-enabled'))
    await user.click(screen.getByTestId('rule-save'))
    expect((await screen.findByText(/Saved\. Night duty · Version 2/)).textContent).toBeTruthy()
    const saved = calls.find((c) => c.method === 'POST' && c.url.endsWith('/admin/rules'))?.body as RuleSpec
    expect(saved).toMatchObject({ enabled: true, on: ['created', 'handoff'], conditions: { team_hours: 'closed', bot_active: false } })
    expect(saved.actions.auto_reply_localized).toEqual(reply) // not on the form, kept

    await user.click(screen.getByTestId('rule-new'))
    expect((screen.getByLabelText('the bot’s handoff to people') as HTMLInputElement).checked).toBe(false) // the API's default
  })

  it('a new rule needs an action; a bad pattern is the API’s 400, shown as it says', async () => {
    const user = userEvent.setup()
    renderWithProviders(<RulesAdmin />)
    await user.click(await screen.findByTestId('rule-new'))
    expect((screen.getByTestId('rule-position') as HTMLInputElement).value).toBe('110')
    await user.type(screen.getByTestId('rule-id'), 'spam')
    await user.type(screen.getByTestId('rule-name'), 'Spam')
    expect(screen.getByText('A rule sets at least one thing.')).toBeTruthy()
    expect((screen.getByTestId('rule-save') as HTMLButtonElement).disabled).toBe(true)
    await user.selectOptions(screen.getByTestId('rule-priority'), 'low')
    await user.type(screen.getByLabelText('Patterns (regular expressions, one a line)'), '(oops')
    await user.click(screen.getByTestId('rule-save'))
    expect((await screen.findByRole('alert')).textContent).toContain("'(oops' is not a regular expression")
    await waitFor(() => expect(screen.getByTestId('rule-form')).toBeTruthy())
  })
})
