/**
 * The app's languages: English and Simplified Chinese, with i18next. The first visit follows the browser's
 * language (any Chinese → zh-CN, anything else → English); a choice made in the app is remembered on this
 * device and wins from then on.
 */
import i18n from 'i18next'
import LanguageDetector from 'i18next-browser-languagedetector'
import { initReactI18next } from 'react-i18next'
import type { adminEn } from '../locales/admin.en'
import { en } from '../locales/en'
import { zhCN } from '../locales/zh-CN'

export const LANGUAGES = ['en', 'zh-CN'] as const
export type Language = (typeof LANGUAGES)[number]

const STORAGE_KEY = 'kefu.language'

export const resources = {
  en: { translation: en },
  'zh-CN': { translation: zhCN },
} as const

declare module 'i18next' {
  interface CustomTypeOptions {
    // "admin" is added when the admin screens load (features/admin/i18n.ts): not in the initial bundle
    resources: { translation: typeof en; admin: typeof adminEn }
  }
}

/** "zh", "zh-TW", "zh-Hans-CN" → zh-CN; everything else → en. */
export function toLanguage(tag: string | null | undefined): Language {
  return tag && tag.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en'
}

function applyToDocument(language: string): void {
  if (typeof document === 'undefined') return
  document.documentElement.lang = toLanguage(language)
  document.title = i18n.t('app.title')
}

export function initI18n(language?: Language) {
  if (!i18n.isInitialized) {
    i18n
      .use(LanguageDetector)
      .use(initReactI18next)
      .init({
        resources,
        lng: language,
        supportedLngs: [...LANGUAGES],
        fallbackLng: 'en',
        load: 'currentOnly',
        initAsync: false,
        interpolation: { escapeValue: false }, // React escapes what it renders
        returnNull: false,
        detection: {
          order: ['localStorage', 'navigator'],
          lookupLocalStorage: STORAGE_KEY,
          caches: [], // only an explicit choice is remembered (setLanguage)
          convertDetectedLanguage: (tag: string) => toLanguage(tag),
        },
      })
    i18n.on('languageChanged', applyToDocument)
  }
  applyToDocument(i18n.language)
  return i18n
}

export function currentLanguage(): Language {
  return toLanguage(i18n.resolvedLanguage ?? i18n.language)
}

export async function setLanguage(language: Language): Promise<void> {
  try {
    localStorage.setItem(STORAGE_KEY, language)
  } catch {
    // private mode: the choice lasts for this page only
  }
  await i18n.changeLanguage(language)
}

export { i18n }
