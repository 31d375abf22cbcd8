import { describe, expect, it } from 'vitest'
import { adminEn } from '../../locales/admin.en'
import { adminZhCN } from '../../locales/admin.zh-CN'

type Tree = { [key: string]: string | Tree }

function flatten(tree: Tree, prefix = ''): Record<string, string> {
  return Object.fromEntries(
    Object.entries(tree).flatMap(([key, value]) => (typeof value === 'string' ? [[prefix + key, value]] : Object.entries(flatten(value, `${prefix}${key}.`)))),
  )
}

const variables = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort()

describe('the admin strings', () => {
  const en = flatten(adminEn)
  const zh = flatten(adminZhCN)
  it('have the same keys in both languages, none empty, none left in English', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort())
    for (const [key, text] of Object.entries(zh)) {
      expect(text.trim(), key).not.toBe('')
      // a sentence (three words or more) must not come back unchanged as the Chinese one
      if (en[key].split(' ').length > 2) expect(text, key).not.toBe(en[key])
    }
  })
  it('use the same interpolation variables in both languages', () => {
    for (const key of Object.keys(en)) expect(variables(zh[key]), key).toEqual(variables(en[key]))
  })
})
