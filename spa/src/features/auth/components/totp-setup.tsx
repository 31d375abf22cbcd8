import { useId, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { QrCode } from '../../../components/ui/qr-code'
import { groupSecret, otpauthUri } from '../totp'
import { CodeField } from './code-field'

type Props = {
  account: string
  secret: string | null
  loadError: string | null
  error: string | null
  pending: boolean
  onSubmit: (code: string) => void
  onCancel?: () => void
}

/** Scan the code (or type the key), then prove it works with one code from the app. */
export function TotpSetup({ account, secret, loadError, error, pending, onSubmit, onCancel }: Props) {
  const { t } = useTranslation()
  const [code, setCode] = useState('')
  const hintId = useId()
  const submit = (event: FormEvent) => {
    event.preventDefault()
    onSubmit(code)
  }
  return (
    <form className="totp-setup" onSubmit={submit} aria-labelledby={`${hintId}-title`} data-testid="mfa-setup">
      <h2 id={`${hintId}-title`}>{t('mfa.setupTitle')}</h2>
      <ol className="steps">
        <li>{t('mfa.stepInstall')}</li>
        <li>{t('mfa.stepScan')}</li>
        <li>{t('mfa.stepCode')}</li>
      </ol>
      {loadError ? (
        <p className="form-error" role="alert" data-testid="mfa-error">
          {loadError}
        </p>
      ) : secret ? (
        <div className="totp-secret">
          <QrCode value={otpauthUri(account, secret)} label={t('mfa.qrLabel')} testId="mfa-qr" />
          <p>
            {t('mfa.manualKey')}{' '}
            <code className="mono" data-testid="mfa-secret" aria-label={t('mfa.secretLabel')}>
              {groupSecret(secret)}
            </code>
          </p>
        </div>
      ) : (
        <p className="muted" role="status">
          {t('common.loading')}
        </p>
      )}
      <CodeField value={code} onChange={setCode} describedBy={hintId} />
      <p id={hintId} className="muted">
        {t('mfa.codeHint')}
      </p>
      {error && (
        <p className="form-error" role="alert" data-testid="mfa-error">
          {error}
        </p>
      )}
      <div className="form-actions">
        {onCancel && (
          <button type="button" className="button" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        )}
        <button type="submit" className="button primary" data-testid="mfa-submit" disabled={pending || !secret}>
          {pending ? t('mfa.verifying') : t('mfa.verifyAndEnable')}
        </button>
      </div>
    </form>
  )
}
