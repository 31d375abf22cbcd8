import { describe, expect, it } from 'vitest'
import { makeFormatters } from './format'

const words = {
  lessThanMinute: '<1',
  justNow: 'now!',
  dueIn: (d: string) => `in ${d}`,
  overdue: (d: string) => `late ${d}`,
}
const at = '2026-03-01T23:30:00Z'
const now = Date.parse(at)

describe('formatters', () => {
  it('show times in the agent’s time zone, not the machine’s', () => {
    const shanghai = makeFormatters('en', 'Asia/Shanghai', words)
    const newYork = makeFormatters('en', 'America/New_York', words)
    expect(shanghai.dateTime(at)).toMatch(/Mar 2.*07:30/)
    expect(newYork.dateTime(at)).toMatch(/Mar 1.*06:30/)
  })

  it('write dates and relative times in the UI language', () => {
    const zh = makeFormatters('zh-CN', 'Asia/Shanghai', words)
    const en = makeFormatters('en', 'Asia/Shanghai', words)
    expect(zh.dateTime(at)).toContain('3月2日')
    expect(zh.ago(at, now + 5 * 60_000)).toBe('5分钟前')
    expect(en.ago(at, now + 5 * 60_000)).toBe('5 minutes ago')
    expect(en.ago(at, now + 3 * 3600_000)).toBe('3 hours ago')
    expect(zh.ago(at, now + 3 * 86400_000)).toBe('3天前')
    expect(en.ago(at, now + 10_000)).toBe('now!')
  })

  it('say how long until or since an SLA deadline', () => {
    const en = makeFormatters('en', 'UTC', words)
    const zh = makeFormatters('zh-CN', 'UTC', words)
    expect(en.due(at, now - 12 * 60_000)).toEqual({ text: 'in 12 min', overdue: false, ms: 12 * 60_000 })
    expect(en.due(at, now + 125 * 60_000)).toEqual({ text: 'late 2 hr 5 min', overdue: true, ms: -125 * 60_000 })
    expect(zh.due(at, now - 90 * 60_000)?.text).toBe('in 1小时30分钟')
    expect(en.due(at, now - 20_000)?.text).toBe('in <1')
    expect(en.due(null)).toBeNull()
    expect(en.dateTime('not a date')).toBe('—')
  })
})
