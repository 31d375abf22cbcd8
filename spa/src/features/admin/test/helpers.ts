import axe from 'axe-core'
import { expect } from 'vitest'

/** No serious or critical axe violation in what a screen rendered (jsdom: colour contrast is not computed). */
export async function expectNoSeriousViolations(root: Element): Promise<void> {
  const results = await axe.run(root, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } })
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
}
