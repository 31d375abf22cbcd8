import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { i18n } from '../../../lib/i18n'
import { SlaDue } from './badges'

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString()

describe('SLA countdown', () => {
  it('is plain while there is time, amber close to the deadline, red past it or when breached', async () => {
    const states = [
      { sla: { first_response_due_at: inMinutes(45), breached: false }, expect: 'ok' },
      { sla: { first_response_due_at: inMinutes(5), breached: false }, expect: 'soon' },
      { sla: { first_response_due_at: inMinutes(-3), breached: false }, expect: 'overdue' },
      { sla: { first_response_due_at: inMinutes(30), breached: true }, expect: 'overdue' },
    ]
    const { rerender } = render(<SlaDue sla={states[0]!.sla} answered={false} status="pending" />)
    for (const state of states) {
      rerender(<SlaDue sla={state.sla} answered={false} status="pending" />)
      expect(screen.getByTestId('sla-due').getAttribute('data-sla')).toBe(state.expect)
    }
    await i18n.changeLanguage('zh-CN')
    rerender(<SlaDue sla={{ first_response_due_at: inMinutes(-3), breached: false }} answered={false} status="pending" />)
    expect(screen.getByTestId('sla-due').textContent).toMatch(/^已超时 3分钟$/)
  })

  it('counts the resolution once answered, and nothing on a resolved ticket', () => {
    const sla = { first_response_due_at: inMinutes(-30), resolution_due_at: inMinutes(120), breached: false }
    const { rerender } = render(<SlaDue sla={sla} answered status="in_progress" />)
    expect(screen.getByTestId('sla-due').getAttribute('data-sla')).toBe('ok')
    rerender(<SlaDue sla={sla} answered status="resolved" />)
    expect(screen.queryByTestId('sla-due')).toBeNull()
  })
})
