import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { useShortcuts } from './shortcuts'

function Harness({ onReply }: { onReply: () => void }) {
  useShortcuts({ r: onReply })
  return <input aria-label="field" />
}

describe('single-key shortcuts', () => {
  it('fire outside fields, never while typing or with a modifier', async () => {
    const onReply = vi.fn()
    const user = userEvent.setup()
    render(<Harness onReply={onReply} />)
    await user.keyboard('r')
    expect(onReply).toHaveBeenCalledTimes(1)
    await user.keyboard('R') // Shift+R is the same key
    expect(onReply).toHaveBeenCalledTimes(2)
    await user.keyboard('{Control>}r{/Control}')
    expect(onReply).toHaveBeenCalledTimes(2)
    await user.click(screen.getByLabelText('field'))
    await user.keyboard('r')
    expect(onReply).toHaveBeenCalledTimes(2)
    expect((screen.getByLabelText('field') as HTMLInputElement).value).toBe('r')
  })
})
