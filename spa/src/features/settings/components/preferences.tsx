import { useEffect, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { LanguageSelect } from '../../../components/ui/language-select'
import { useFormatters } from '../../../lib/format'
import { browserTimeZone, setTimeZone, timeZones, useTimeZone } from '../../../lib/preferences'

/** Language and time zone, kept on this device. */
export function Preferences() {
  const { t } = useTranslation()
  const zone = useTimeZone()
  const format = useFormatters()
  const zones = useMemo(() => timeZones(zone), [zone])
  const browser = browserTimeZone()
  const [now, setNow] = useState(() => new Date().toISOString())
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date().toISOString()), 30_000)
    return () => clearInterval(timer)
  }, [])
  return (
    <section className="panel settings-section" aria-labelledby="preferences-title">
      <h2 id="preferences-title">{t('settings.preferences')}</h2>
      <div className="field-grid">
        <label htmlFor="settings-language">{t('settings.language')}</label>
        <LanguageSelect id="settings-language" testId="settings-language" />
        <label htmlFor="time-zone">{t('settings.timeZone')}</label>
        <select id="time-zone" data-testid="time-zone-select" value={zone} onChange={(e) => setTimeZone(e.target.value)}>
          {zones.map((z) => (
            <option key={z} value={z}>
              {z === browser ? t('settings.browserZone', { zone: z }) : z}
            </option>
          ))}
        </select>
      </div>
      <p className="muted" data-testid="time-zone-now">
        {t('settings.nowIs', { time: format.fullDateTime(now) })}
      </p>
    </section>
  )
}
