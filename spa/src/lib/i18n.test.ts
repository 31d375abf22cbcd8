import { describe, expect, it } from 'vitest'
import { en } from '../locales/en'
import { zhCN } from '../locales/zh-CN'
import { i18n, setLanguage, toLanguage } from './i18n'

type Tree = { [key: string]: string | Tree }

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') out.set(prefix + key, value)
    else for (const [k, v] of leaves(value, `${prefix}${key}.`)) out.set(k, v)
  }
  return out
}

const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort()

describe('languages', () => {
  it('every English string has a Chinese one, with the same placeholders, none left in English', () => {
    const english = leaves(en as Tree)
    const chinese = leaves(zhCN as Tree)
    expect([...chinese.keys()].sort()).toEqual([...english.keys()].sort())
    const untranslated: string[] = []
    for (const [key, text] of english) {
      const zh = chinese.get(key) ?? ''
      expect(zh.trim(), key).not.toBe('')
      expect(placeholders(zh), key).toEqual(placeholders(text))
      // Brand and product names stay as they are; anything else equal to English was forgotten.
      if (zh === text && !/^(WhatsApp|Messenger|Instagram|LINE|Telegram|VIP|\{\{.*)$/.test(text)) untranslated.push(key)
    }
    expect(untranslated).toEqual([])
  })

  it('maps the browser’s language to one the app has', () => {
    expect(toLanguage('zh')).toBe('zh-CN')
    expect(toLanguage('zh-TW')).toBe('zh-CN')
    expect(toLanguage('zh-Hans-CN')).toBe('zh-CN')
    expect(toLanguage('en-GB')).toBe('en')
    expect(toLanguage('fr')).toBe('en')
    expect(toLanguage(undefined)).toBe('en')
  })

  it('remembers an explicit choice and marks the document', async () => {
    await setLanguage('zh-CN')
    expect(localStorage.getItem('kefu.language')).toBe('zh-CN')
    expect(document.documentElement.lang).toBe('zh-CN')
    expect(document.title).toBe(zhCN.app.title)
    expect(i18n.t('status.in_progress')).toBe('处理中')
  })
})
