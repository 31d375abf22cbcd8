import { useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import {
  finishSetupDuringSignIn,
  startSetupDuringSignIn,
  useAnswerMfa,
  useCompleteNewPassword,
  useLogin,
  type Challenge,
  type LoginOutcome,
} from '../api/login'
import { authErrorMessage, type AuthStep } from '../errors'
import { CodeField } from './code-field'
import { TotpSetup } from './totp-setup'
import { LanguageSelect } from '../../../components/ui/language-select'

type Props = { onSignedIn: () => void }

type Step = { kind: 'password' } | Exclude<LoginOutcome, { kind: 'signed-in' }>

/** Password, then whatever Cognito asks next: a new password, the authenticator code, or setting one up. */
export function LoginForm({ onSignedIn }: Props) {
  const { t } = useTranslation()
  const [step, setStep] = useState<Step>({ kind: 'password' })
  const handleOutcome = (outcome: LoginOutcome) => {
    if (outcome.kind === 'signed-in') onSignedIn()
    else setStep(outcome)
  }
  const restart = () => setStep({ kind: 'password' })

  return (
    <div className="login-form">
      <div className="login-top">
        <p className="brand-line">
          Kefu <span lang="zh-CN">客服</span>
        </p>
        <LanguageSelect />
      </div>
      {step.kind === 'password' && <PasswordStep onOutcome={handleOutcome} />}
      {step.kind === 'new-password-required' && <NewPasswordStep challenge={step} onOutcome={handleOutcome} />}
      {step.kind === 'mfa-required' && <MfaStep challenge={step} onOutcome={handleOutcome} />}
      {step.kind === 'mfa-setup' && <SetupStep challenge={step} onOutcome={handleOutcome} />}
      {step.kind !== 'password' && (
        <button type="button" className="link-button" onClick={restart} data-testid="login-restart">
          {t('auth.startOver')}
        </button>
      )}
    </div>
  )
}

type StepProps = { onOutcome: (outcome: LoginOutcome) => void }

function PasswordStep({ onOutcome }: StepProps) {
  const { t } = useTranslation()
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const login = useLogin()
  const submit = (event: FormEvent) => {
    event.preventDefault()
    login.mutate({ username, password }, { onSuccess: onOutcome })
  }
  return (
    <form onSubmit={submit} aria-labelledby="login-title">
      <h1 id="login-title">{t('auth.title')}</h1>
      <p className="muted">{t('auth.subtitle')}</p>
      <label>
        {t('auth.email')}
        <input
          type="email"
          name="username"
          autoComplete="username"
          data-testid="login-email"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          required
          autoFocus
        />
      </label>
      <label>
        {t('auth.password')}
        <input
          type="password"
          name="password"
          autoComplete="current-password"
          data-testid="login-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
      </label>
      <StepSubmit error={login.error} step="password" pending={login.isPending} testId="login-submit" label={t('auth.signIn')} busyLabel={t('auth.signingIn')} />
    </form>
  )
}

function NewPasswordStep({ challenge, onOutcome }: StepProps & { challenge: Challenge }) {
  const { t } = useTranslation()
  const [newPassword, setNewPassword] = useState('')
  const complete = useCompleteNewPassword()
  const submit = (event: FormEvent) => {
    event.preventDefault()
    complete.mutate({ ...challenge, newPassword }, { onSuccess: onOutcome })
  }
  return (
    <form onSubmit={submit} aria-labelledby="new-password-title">
      <h1 id="new-password-title">{t('auth.newPasswordTitle')}</h1>
      <p className="muted">{t('auth.newPasswordHint', { username: challenge.username })}</p>
      <label>
        {t('auth.newPassword')}
        <input
          type="password"
          name="new-password"
          autoComplete="new-password"
          data-testid="new-password"
          value={newPassword}
          onChange={(e) => setNewPassword(e.target.value)}
          required
          autoFocus
        />
      </label>
      <StepSubmit error={complete.error} step="new-password" pending={complete.isPending} testId="new-password-submit" label={t('auth.setPassword')} busyLabel={t('common.saving')} />
    </form>
  )
}

function MfaStep({ challenge, onOutcome }: StepProps & { challenge: Challenge }) {
  const { t } = useTranslation()
  const [code, setCode] = useState('')
  const answer = useAnswerMfa()
  const submit = (event: FormEvent) => {
    event.preventDefault()
    answer.mutate({ ...challenge, code }, { onSuccess: onOutcome })
  }
  return (
    <form onSubmit={submit} aria-labelledby="mfa-title" data-testid="mfa-challenge">
      <h1 id="mfa-title">{t('mfa.challengeTitle')}</h1>
      <p className="muted" id="mfa-hint">
        {t('mfa.challengeHint')}
      </p>
      <CodeField value={code} onChange={setCode} describedBy="mfa-hint" autoFocus />
      <StepSubmit error={answer.error} step="mfa" pending={answer.isPending} testId="mfa-submit" label={t('mfa.verify')} busyLabel={t('auth.signingIn')} />
    </form>
  )
}

/** MFA_SETUP: the pool requires MFA and this user has none yet. */
function SetupStep({ challenge, onOutcome }: StepProps & { challenge: Challenge }) {
  const { t } = useTranslation()
  const secret = useQuery({
    queryKey: ['totp-secret', 'sign-in', challenge.session],
    queryFn: () => startSetupDuringSignIn(challenge),
    staleTime: Infinity,
    gcTime: 0,
    retry: false,
    refetchOnWindowFocus: false,
  })
  const finish = useMutation({
    mutationFn: (code: string) =>
      finishSetupDuringSignIn(
        { username: challenge.username, session: secret.data?.session ?? challenge.session },
        code,
        t('mfa.deviceName'),
      ),
    onSuccess: onOutcome,
  })
  return (
    <div aria-labelledby="setup-title">
      <h1 id="setup-title">{t('mfa.requiredTitle')}</h1>
      <p className="muted">{t('mfa.requiredHint')}</p>
      <TotpSetup
        account={challenge.username}
        secret={secret.data?.secret ?? null}
        loadError={secret.error ? authErrorMessage(t, secret.error, 'setup') : null}
        error={finish.error ? authErrorMessage(t, finish.error, 'setup') : null}
        pending={finish.isPending}
        onSubmit={(code) => finish.mutate(code)}
      />
    </div>
  )
}

type StepSubmitProps = { error: Error | null; step: AuthStep; pending: boolean; testId: string; label: string; busyLabel: string }

/** A step's error (what Cognito refused, in words) and its submit button, off while the step is under way. */
function StepSubmit({ error, step, pending, testId, label, busyLabel }: StepSubmitProps) {
  const { t } = useTranslation()
  return (
    <>
      {error && (
        <p className="form-error" role="alert" data-testid="login-error">
          {authErrorMessage(t, error, step)}
        </p>
      )}
      <button type="submit" className="button primary" data-testid={testId} disabled={pending}>
        {pending ? busyLabel : label}
      </button>
    </>
  )
}
