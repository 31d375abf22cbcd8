import { useTranslation } from 'react-i18next'
import { currentLanguage, LANGUAGES, setLanguage, type Language } from '../../lib/i18n'

/** Each language is named in itself, so anyone can find theirs whatever the UI shows now. */
const NAMES: Record<Language, string> = { en: 'English', 'zh-CN': '中文（简体）' }

export function LanguageSelect({ testId = 'language-select', id }: { testId?: string; id?: string }) {
  const { t } = useTranslation() // re-renders on a language change
  return (
    <select
      className="language-select"
      aria-label={t('settings.language')}
      id={id}
      data-testid={testId}
      value={currentLanguage()}
      onChange={(e) => void setLanguage(e.target.value as Language)}
    >
      {LANGUAGES.map((language) => (
        <option key={language} value={language} lang={language}>
          {NAMES[language]}
        </option>
      ))}
    </select>
  )
}
