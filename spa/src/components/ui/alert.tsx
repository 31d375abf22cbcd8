import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'

type Props = { children: ReactNode; tone?: 'error' | 'info'; onDismiss?: () => void; testId?: string }

export function Alert({ children, tone = 'error', onDismiss, testId }: Props) {
  const { t } = useTranslation()
  return (
    <div className={`alert alert-${tone}`} role={tone === 'error' ? 'alert' : 'status'} data-testid={testId}>
      <span>{children}</span>
      {onDismiss && (
        <button type="button" className="alert-close" aria-label={t('common.dismiss')} onClick={onDismiss}>
          ×
        </button>
      )}
    </div>
  )
}
