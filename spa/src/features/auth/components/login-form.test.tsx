import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { i18n } from '../../../lib/i18n'
import { sessionStore } from '../../../lib/session'
import { fakeJwt, renderWithProviders, stubFetch, withConfig, type Call } from '../../../test/helpers'
import { LoginForm } from './login-form'

const tokens = () => ({ AuthenticationResult: { IdToken: fakeJwt(), AccessToken: fakeJwt(), RefreshToken: 'r1' } })

function cognito(answers: Record<string, (call: Call) => { status?: number; body?: unknown }>) {
  return stubFetch((call) => {
    const operation = call.target?.replace('AWSCognitoIdentityProviderService.', '') ?? ''
    return answers[operation]?.(call)
  })
}

beforeAll(async () => {
  stubFetch(() => undefined)
  await withConfig()
})

describe('sign-in', () => {
  it('asks for the authenticator code after the password and signs in with it', async () => {
    const calls = cognito({
      InitiateAuth: () => ({ body: { ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 's1', ChallengeParameters: {} } }),
      RespondToAuthChallenge: (call) =>
        (call.body as { ChallengeResponses: { SOFTWARE_TOKEN_MFA_CODE: string } }).ChallengeResponses
          .SOFTWARE_TOKEN_MFA_CODE === '123456'
          ? { body: tokens() }
          : { status: 400, body: { __type: 'CodeMismatchException', message: 'Invalid code received for user' } },
    })
    const onSignedIn = vi.fn()
    const user = userEvent.setup()
    renderWithProviders(<LoginForm onSignedIn={onSignedIn} />)

    await user.type(screen.getByLabelText('Email'), 'agent1@example.com')
    await user.type(screen.getByLabelText('Password'), 'Kefu-demo-1')
    await user.click(screen.getByRole('button', { name: 'Sign in' }))

    const code = await screen.findByLabelText('6-digit code')
    await user.type(code, '000000')
    await user.click(screen.getByRole('button', { name: 'Verify' }))
    expect((await screen.findByRole('alert')).textContent).toContain('That code is not right')
    expect(onSignedIn).not.toHaveBeenCalled()

    await user.clear(code)
    await user.type(code, '12 34 56') // only digits are kept
    await user.click(screen.getByRole('button', { name: 'Verify' }))
    await waitFor(() => expect(onSignedIn).toHaveBeenCalledOnce())
    expect(sessionStore.get()?.refreshToken).toBe('r1')
    expect(sessionStore.get()?.accessToken).toBeTruthy()
    const answer = calls.filter((c) => c.target?.endsWith('RespondToAuthChallenge')).at(-1)
    expect(answer?.body).toMatchObject({
      ChallengeName: 'SOFTWARE_TOKEN_MFA',
      Session: 's1',
      ClientId: 'client-1',
      ChallengeResponses: { USERNAME: 'agent1@example.com', SOFTWARE_TOKEN_MFA_CODE: '123456' },
    })
  })

  it('sets up an authenticator during sign-in when the pool requires MFA (QR drawn in the page)', async () => {
    const calls = cognito({
      InitiateAuth: () => ({ body: { ChallengeName: 'MFA_SETUP', Session: 's1' } }),
      AssociateSoftwareToken: () => ({ body: { SecretCode: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', Session: 's2' } }),
      VerifySoftwareToken: () => ({ body: { Status: 'SUCCESS', Session: 's3' } }),
      RespondToAuthChallenge: () => ({ body: tokens() }),
    })
    const onSignedIn = vi.fn()
    const user = userEvent.setup()
    renderWithProviders(<LoginForm onSignedIn={onSignedIn} />)
    await user.type(screen.getByLabelText('Email'), 'new@example.com')
    await user.type(screen.getByLabelText('Password'), 'Kefu-demo-1')
    await user.click(screen.getByRole('button', { name: 'Sign in' }))

    const qr = await screen.findByRole('img', { name: 'QR code for your authenticator app' })
    expect(qr.querySelector('path')?.getAttribute('d')).toMatch(/^M\d+ \d+h1v1h-1z/)
    expect(screen.getByTestId('mfa-secret').textContent).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP')
    await user.type(screen.getByLabelText('6-digit code'), '654321')
    await user.click(screen.getByRole('button', { name: 'Verify and turn on' }))
    await waitFor(() => expect(onSignedIn).toHaveBeenCalledOnce())

    const byOp = (op: string) => calls.find((c) => c.target?.endsWith(op))?.body
    expect(byOp('AssociateSoftwareToken')).toEqual({ Session: 's1' })
    expect(byOp('VerifySoftwareToken')).toMatchObject({ Session: 's2', UserCode: '654321' })
    expect(byOp('RespondToAuthChallenge')).toMatchObject({ ChallengeName: 'MFA_SETUP', Session: 's3' })
  })

  it('speaks Chinese, Cognito errors included', async () => {
    await i18n.changeLanguage('zh-CN')
    cognito({
      InitiateAuth: () => ({ status: 400, body: { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' } }),
    })
    const user = userEvent.setup()
    renderWithProviders(<LoginForm onSignedIn={vi.fn()} />)
    expect(screen.getByRole('heading', { name: '登录' })).toBeTruthy()
    await user.type(screen.getByLabelText('邮箱'), 'agent1@example.com')
    await user.type(screen.getByLabelText('密码'), 'wrong')
    await user.click(screen.getByRole('button', { name: '登录' }))
    expect((await screen.findByRole('alert')).textContent).toBe('用户名或密码错误。')
    expect(document.documentElement.lang).toBe('zh-CN')
  })
})
