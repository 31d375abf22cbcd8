/**
 * The Cognito calls the app needs, over plain fetch (no AWS SDK): sign-in and its challenges, TOTP set-up,
 * the user's MFA state and sign-out. These are Cognito's public operations (no AWS signature): they take the
 * user's own access token or the sign-in session. Cognito answers errors as `{"__type", "message"}`.
 */
import { cognitoUrl, getConfig } from '../config/runtime'

export class CognitoError extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.name = 'CognitoError'
    this.code = code
  }
}

export type AuthenticationResult = {
  IdToken: string
  AccessToken?: string
  RefreshToken?: string
  ExpiresIn?: number
}

export type AuthResponse = {
  AuthenticationResult?: AuthenticationResult
  ChallengeName?: string
  Session?: string
  ChallengeParameters?: Record<string, string>
}

export async function cognitoCall<T>(operation: string, body: unknown): Promise<T> {
  let response: Response
  try {
    response = await fetch(cognitoUrl(getConfig()), {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': `AWSCognitoIdentityProviderService.${operation}`,
      },
      body: JSON.stringify(body),
    })
  } catch {
    throw new CognitoError('NetworkError', '')
  }
  const text = await response.text()
  let data: Record<string, unknown> = {}
  try {
    data = text ? (JSON.parse(text) as Record<string, unknown>) : {}
  } catch {
    // A non-JSON answer (a proxy error page) is reported by status below.
  }
  if (!response.ok) {
    const rawType = typeof data.__type === 'string' ? data.__type : 'Error'
    const code = rawType.split('#').pop() ?? rawType
    const message =
      (typeof data.message === 'string' && data.message) ||
      (typeof data.Message === 'string' && data.Message) ||
      `HTTP ${response.status}`
    throw new CognitoError(code, message)
  }
  return data as T
}

export function initiateAuth(authFlow: string, authParameters: Record<string, string>): Promise<AuthResponse> {
  return cognitoCall<AuthResponse>('InitiateAuth', {
    AuthFlow: authFlow,
    ClientId: getConfig().userPoolClientId,
    AuthParameters: authParameters,
  })
}

export function respondToAuthChallenge(
  challengeName: string,
  session: string,
  responses: Record<string, string>,
): Promise<AuthResponse> {
  return cognitoCall<AuthResponse>('RespondToAuthChallenge', {
    ChallengeName: challengeName,
    ClientId: getConfig().userPoolClientId,
    Session: session,
    ChallengeResponses: responses,
  })
}

/** A secret for an authenticator app, for the signed-in user (access token) or during sign-in (session). */
export function associateSoftwareToken(
  by: { accessToken: string } | { session: string },
): Promise<{ SecretCode: string; Session?: string }> {
  return cognitoCall('AssociateSoftwareToken', 'accessToken' in by ? { AccessToken: by.accessToken } : { Session: by.session })
}

export function verifySoftwareToken(
  by: { accessToken: string } | { session: string },
  code: string,
  deviceName: string,
): Promise<{ Status: string; Session?: string }> {
  const who = 'accessToken' in by ? { AccessToken: by.accessToken } : { Session: by.session }
  return cognitoCall('VerifySoftwareToken', { ...who, UserCode: code, FriendlyDeviceName: deviceName })
}

export function enableTotpMfa(accessToken: string): Promise<unknown> {
  return cognitoCall('SetUserMFAPreference', {
    AccessToken: accessToken,
    SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
  })
}

export type CognitoUser = { Username: string; UserMFASettingList?: string[]; PreferredMfaSetting?: string }

export function getUser(accessToken: string): Promise<CognitoUser> {
  return cognitoCall<CognitoUser>('GetUser', { AccessToken: accessToken })
}

/** Ends every session of the user: refresh tokens stop working everywhere. */
export function globalSignOut(accessToken: string): Promise<unknown> {
  return cognitoCall('GlobalSignOut', { AccessToken: accessToken })
}
