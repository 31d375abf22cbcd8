import { useTranslation } from 'react-i18next'
import { SecuritySettings } from '../../features/auth/components/security-settings'
import { Preferences } from '../../features/settings/components/preferences'

export function SettingsRoute() {
  const { t } = useTranslation()
  return (
    <div className="settings-page">
      <h1>{t('nav.settings')}</h1>
      <Preferences />
      <SecuritySettings />
    </div>
  )
}
