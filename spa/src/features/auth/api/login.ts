/**
 * Sign-in with Cognito USER_PASSWORD_AUTH and the challenges that may follow the password:
 * NEW_PASSWORD_REQUIRED (users invited by an admin), MFA_SETUP (the pool requires MFA and the user has none
 * yet: set up an authenticator app first) and SOFTWARE_TOKEN_MFA (the code from the user's authenticator).
 */
import { useMutation } from '@tanstack/react-query'
import {
  associateSoftwareToken,
  initiateAuth,
  respondToAuthChallenge,
  verifySoftwareToken,
  type AuthResponse,
} from '../../../lib/cognito'
import { sessionStore } from '../../../lib/session'

export type LoginInput = { username: string; password: string }

export type Challenge = { username: string; session: string }

export type LoginOutcome =
  | { kind: 'signed-in' }
  | ({ kind: 'new-password-required' } & Challenge)
  | ({ kind: 'mfa-required' } & Challenge)
  | ({ kind: 'mfa-setup' } & Challenge)

export class UnsupportedChallenge extends Error {
  readonly challenge: string
  constructor(challenge: string) {
    super(challenge)
    this.name = 'UnsupportedChallenge'
    this.challenge = challenge
  }
}

export function finish(username: string, answer: AuthResponse): LoginOutcome {
  const result = answer.AuthenticationResult
  if (result?.IdToken) {
    sessionStore.set({
      idToken: result.IdToken,
      accessToken: result.AccessToken ?? null,
      refreshToken: result.RefreshToken ?? null,
      username,
    })
    return { kind: 'signed-in' }
  }
  const session = answer.Session
  if (session) {
    if (answer.ChallengeName === 'NEW_PASSWORD_REQUIRED') return { kind: 'new-password-required', username, session }
    if (answer.ChallengeName === 'SOFTWARE_TOKEN_MFA') return { kind: 'mfa-required', username, session }
    if (answer.ChallengeName === 'MFA_SETUP') return { kind: 'mfa-setup', username, session }
  }
  throw new UnsupportedChallenge(answer.ChallengeName ?? 'none')
}

export async function login({ username, password }: LoginInput): Promise<LoginOutcome> {
  const user = username.trim()
  const answer = await initiateAuth('USER_PASSWORD_AUTH', { USERNAME: user, PASSWORD: password })
  return finish(user, answer)
}

export type NewPasswordInput = Challenge & { newPassword: string }

export async function completeNewPassword({ username, session, newPassword }: NewPasswordInput): Promise<LoginOutcome> {
  const answer = await respondToAuthChallenge('NEW_PASSWORD_REQUIRED', session, {
    USERNAME: username,
    NEW_PASSWORD: newPassword,
  })
  return finish(username, answer)
}

export type MfaCodeInput = Challenge & { code: string }

export async function answerMfa({ username, session, code }: MfaCodeInput): Promise<LoginOutcome> {
  const answer = await respondToAuthChallenge('SOFTWARE_TOKEN_MFA', session, {
    USERNAME: username,
    SOFTWARE_TOKEN_MFA_CODE: code.trim(),
  })
  return finish(username, answer)
}

/** MFA_SETUP: a secret for this sign-in; the session changes with each step. */
export async function startSetupDuringSignIn(challenge: Challenge): Promise<{ secret: string; session: string }> {
  const answer = await associateSoftwareToken({ session: challenge.session })
  return { secret: answer.SecretCode, session: answer.Session ?? challenge.session }
}

export async function finishSetupDuringSignIn(
  challenge: Challenge,
  code: string,
  deviceName: string,
): Promise<LoginOutcome> {
  const verified = await verifySoftwareToken({ session: challenge.session }, code.trim(), deviceName)
  const answer = await respondToAuthChallenge('MFA_SETUP', verified.Session ?? challenge.session, {
    USERNAME: challenge.username,
  })
  return finish(challenge.username, answer)
}

export function useLogin() {
  return useMutation({ mutationFn: login })
}

export function useCompleteNewPassword() {
  return useMutation({ mutationFn: completeNewPassword })
}

export function useAnswerMfa() {
  return useMutation({ mutationFn: answerMfa })
}
