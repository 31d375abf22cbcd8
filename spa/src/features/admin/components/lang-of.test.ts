import { describe, expect, it } from 'vitest'
import { langOf } from './lang'

describe('langOf', () => {
  it('keeps the locales of real languages', () => {
    expect(langOf('zh-CN')).toBe('zh-CN')
    expect(langOf('en')).toBe('en')
    expect(langOf('pt-BR')).toBe('pt-BR')
  })

  it('gives no lang for a well-formed tag of no known language (axe: valid-lang)', () => {
    expect(langOf('tc-sp9-itzrFU-IAhU')).toBeUndefined()
    expect(langOf('ew-6xfLZG9')).toBeUndefined()
    expect(langOf('not a tag')).toBeUndefined()
  })
})
