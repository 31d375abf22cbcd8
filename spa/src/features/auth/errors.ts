import type { TFunction } from 'i18next'
import { CognitoError } from '../../lib/cognito'
import { UnsupportedChallenge } from './api/login'
import { NoAccessToken } from './api/mfa'

export type AuthStep = 'password' | 'new-password' | 'mfa' | 'setup'

/** What to tell the user, in their language, for a failed sign-in step (Cognito's own text as a fallback). */
export function authErrorMessage(t: TFunction, error: unknown, step: AuthStep): string {
  if (error instanceof NoAccessToken) return t('errors.signInAgain')
  if (error instanceof UnsupportedChallenge) return t('auth.errors.unsupported', { challenge: error.challenge })
  if (!(error instanceof CognitoError)) return error instanceof Error ? error.message : String(error)
  switch (error.code) {
    case 'NetworkError':
      return t('auth.errors.network')
    case 'NotAuthorizedException':
      // After the password, "not authorized" means the sign-in session ran out.
      return step === 'password' ? t('auth.errors.badPassword') : t('auth.errors.sessionExpired')
    case 'UserNotFoundException':
      return t('auth.errors.badPassword')
    case 'CodeMismatchException':
    case 'EnableSoftwareTokenMFAException':
      return t('auth.errors.badCode')
    case 'ExpiredCodeException':
      return t('auth.errors.sessionExpired')
    case 'InvalidPasswordException':
      return t('auth.errors.weakPassword', { detail: error.message })
    case 'PasswordResetRequiredException':
      return t('auth.errors.resetRequired')
    case 'UserNotConfirmedException':
      return t('auth.errors.notConfirmed')
    case 'TooManyRequestsException':
    case 'LimitExceededException':
      return t('auth.errors.tooMany')
    default:
      return error.message
  }
}
