import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Alert } from '../../../components/ui/alert'
import { useSession } from '../../../lib/use-session'
import { startTotpSetup, useConfirmTotpSetup, useMfaStatus } from '../api/mfa'
import { authErrorMessage } from '../errors'
import { TotpSetup } from './totp-setup'

/** Two-step verification: whether it is on, and turning it on with an authenticator app. */
export function SecuritySettings() {
  const { t } = useTranslation()
  const session = useSession()
  const status = useMfaStatus()
  const [attempt, setAttempt] = useState(0) // 0: not started; each start asks Cognito for a new secret
  const secret = useQuery({
    queryKey: ['totp-secret', 'settings', session?.username, attempt],
    queryFn: startTotpSetup,
    enabled: attempt > 0,
    staleTime: Infinity,
    gcTime: 0,
    retry: false,
    refetchOnWindowFocus: false,
  })
  const confirm = useConfirmTotpSetup()

  const enabled = status.data?.totpEnabled === true
  return (
    <section className="panel settings-section" aria-labelledby="security-title" data-testid="security-settings">
      <h2 id="security-title">{t('mfa.sectionTitle')}</h2>
      {status.isPending ? (
        <p className="muted">{t('common.loading')}</p>
      ) : status.isError ? (
        <Alert>{authErrorMessage(t, status.error, 'setup')}</Alert>
      ) : (
        <p data-testid="mfa-status" data-enabled={enabled ? 'true' : 'false'}>
          {enabled ? t('mfa.statusOn') : t('mfa.statusOff')}
        </p>
      )}
      {confirm.isSuccess && (
        <Alert tone="info" testId="mfa-enabled">
          {t('mfa.enabledNow')}
        </Alert>
      )}
      {attempt === 0 || confirm.isSuccess ? (
        <button
          type="button"
          className="button"
          data-testid="mfa-start"
          onClick={() => {
            confirm.reset()
            setAttempt((n) => n + 1)
          }}
        >
          {enabled ? t('mfa.replace') : t('mfa.start')}
        </button>
      ) : (
        <TotpSetup
          account={session?.username ?? ''}
          secret={secret.data?.secret ?? null}
          loadError={secret.error ? authErrorMessage(t, secret.error, 'setup') : null}
          error={confirm.error ? authErrorMessage(t, confirm.error, 'setup') : null}
          pending={confirm.isPending}
          onSubmit={(code) => confirm.mutate({ code, deviceName: t('mfa.deviceName') })}
          onCancel={() => setAttempt(0)}
        />
      )}
    </section>
  )
}
