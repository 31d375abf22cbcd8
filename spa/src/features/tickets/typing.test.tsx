import { act, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CUSTOMER_TYPING_MS, clearCustomerTyping, noteCustomerTyping, useCustomerTyping } from './typing'

function Indicator({ ticketId }: { ticketId: string }) {
  return <span data-testid="typing">{useCustomerTyping(ticketId) ? 'typing' : 'idle'}</span>
}

afterEach(() => vi.useRealTimers())

describe("the customer's typing", () => {
  it('shows after a push for that ticket only, and goes after a few seconds or when their message arrives', () => {
    vi.useFakeTimers()
    render(
      <>
        <Indicator ticketId="T1" />
        <Indicator ticketId="T2" />
      </>,
    )
    const [one, two] = screen.getAllByTestId('typing')
    expect(one.textContent).toBe('idle')
    act(() => noteCustomerTyping('T1'))
    expect(one.textContent).toBe('typing')
    expect(two.textContent).toBe('idle')
    act(() => vi.advanceTimersByTime(CUSTOMER_TYPING_MS + 50))
    expect(one.textContent).toBe('idle')
    act(() => noteCustomerTyping('T1'))
    expect(one.textContent).toBe('typing')
    act(() => clearCustomerTyping('T1'))
    expect(one.textContent).toBe('idle')
  })
})
