/**
 * The two Cognito calls the app needs, over plain fetch (no AWS SDK): InitiateAuth and
 * RespondToAuthChallenge. Cognito answers errors as `{"__type", "message"}`; the message is what users see.
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
    throw new CognitoError('NetworkError', 'Cannot reach the sign-in service. Check your connection.')
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
      `Sign-in failed (HTTP ${response.status}).`
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
