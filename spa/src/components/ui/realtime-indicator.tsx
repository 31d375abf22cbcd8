import { useTranslation } from 'react-i18next'
import { useRealtimeStatus } from '../../lib/use-realtime'

/** "Live" while pushes arrive; otherwise says the app is polling instead. */
export function RealtimeIndicator() {
  const { t } = useTranslation()
  const status = useRealtimeStatus()
  const live = status === 'live'
  return (
    <span
      className={`realtime-indicator ${live ? 'is-live' : 'is-polling'}`}
      role="status"
      data-testid="realtime-status"
      data-status={status}
      title={live ? t('realtime.liveHint') : t('realtime.pollingHint')}
    >
      <span aria-hidden="true" className="realtime-dot" />
      {live ? t('realtime.live') : status === 'off' ? t('realtime.polling') : t('realtime.reconnecting')}
    </span>
  )
}
