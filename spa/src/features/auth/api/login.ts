/**
 * Sign-in with Cognito USER_PASSWORD_AUTH. A first sign-in may come back with the NEW_PASSWORD_REQUIRED
 * challenge (users created by an admin); the caller then asks for a new password and completes it here.
 */
import { useMutation } from '@tanstack/react-query'
import { initiateAuth, respondToAuthChallenge, type AuthResponse } from '../../../lib/cognito'
import { sessionStore } from '../../../lib/session'

export type LoginInput = { username: string; password: string }

export type LoginOutcome =
  | { kind: 'signed-in' }
  | { kind: 'new-password-required'; username: string; session: string }

function finish(username: string, answer: AuthResponse): LoginOutcome {
  const result = answer.AuthenticationResult
  if (result?.IdToken) {
    sessionStore.set({ idToken: result.IdToken, refreshToken: result.RefreshToken ?? null, username })
    return { kind: 'signed-in' }
  }
  if (answer.ChallengeName === 'NEW_PASSWORD_REQUIRED' && answer.Session) {
    return { kind: 'new-password-required', username, session: answer.Session }
  }
  throw new Error(
    answer.ChallengeName
      ? `Sign-in needs a step this app does not support yet (${answer.ChallengeName}).`
      : 'Sign-in returned no token.',
  )
}

export async function login({ username, password }: LoginInput): Promise<LoginOutcome> {
  const user = username.trim()
  const answer = await initiateAuth('USER_PASSWORD_AUTH', { USERNAME: user, PASSWORD: password })
  return finish(user, answer)
}

export type NewPasswordInput = { username: string; session: string; newPassword: string }

export async function completeNewPassword({ username, session, newPassword }: NewPasswordInput): Promise<LoginOutcome> {
  const answer = await respondToAuthChallenge('NEW_PASSWORD_REQUIRED', session, {
    USERNAME: username,
    NEW_PASSWORD: newPassword,
  })
  return finish(username, answer)
}

export function useLogin() {
  return useMutation({ mutationFn: login })
}

export function useCompleteNewPassword() {
  return useMutation({ mutationFn: completeNewPassword })
}
