import { useState, type FormEvent } from 'react'
import { useCompleteNewPassword, useLogin, type LoginOutcome } from '../api/login'

type Props = { onSignedIn: () => void }

type Challenge = Extract<LoginOutcome, { kind: 'new-password-required' }>

export function LoginForm({ onSignedIn }: Props) {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [newPassword, setNewPassword] = useState('')
  const [challenge, setChallenge] = useState<Challenge | null>(null)
  const login = useLogin()
  const complete = useCompleteNewPassword()

  const handleOutcome = (outcome: LoginOutcome) => {
    if (outcome.kind === 'signed-in') onSignedIn()
    else setChallenge(outcome)
  }

  const submitLogin = (event: FormEvent) => {
    event.preventDefault()
    login.mutate({ username, password }, { onSuccess: handleOutcome })
  }

  const submitNewPassword = (event: FormEvent) => {
    event.preventDefault()
    if (!challenge) return
    complete.mutate(
      { username: challenge.username, session: challenge.session, newPassword },
      { onSuccess: handleOutcome },
    )
  }

  if (challenge) {
    return (
      <form className="login-form" onSubmit={submitNewPassword} aria-label="Choose a new password">
        <h1>Choose a new password</h1>
        <p className="muted">This is your first sign-in as {challenge.username}. Please set your own password.</p>
        <label>
          New password
          <input
            type="password"
            name="new-password"
            autoComplete="new-password"
            data-testid="new-password"
            value={newPassword}
            onChange={(e) => setNewPassword(e.target.value)}
            required
          />
        </label>
        {complete.error && (
          <p className="form-error" role="alert" data-testid="login-error">
            {complete.error.message}
          </p>
        )}
        <button type="submit" className="button primary" disabled={complete.isPending}>
          {complete.isPending ? 'Saving…' : 'Set password and sign in'}
        </button>
      </form>
    )
  }

  return (
    <form className="login-form" onSubmit={submitLogin} aria-label="Sign in">
      <h1>
        Kefu <span lang="zh-CN">客服</span>
      </h1>
      <p className="muted">Sign in to the agent workspace</p>
      <label>
        Email
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
        Password
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
      {login.error && (
        <p className="form-error" role="alert" data-testid="login-error">
          {login.error.message}
        </p>
      )}
      <button type="submit" className="button primary" data-testid="login-submit" disabled={login.isPending}>
        {login.isPending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  )
}
