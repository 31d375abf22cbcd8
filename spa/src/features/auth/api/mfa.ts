/**
 * Two-step verification for the signed-in user: is TOTP on, and turning it on (a secret for the
 * authenticator app, one code from it to prove it works, then TOTP as the user's MFA).
 */
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { renewOnce } from '../../../lib/api-client'
import { associateSoftwareToken, enableTotpMfa, getUser, verifySoftwareToken } from '../../../lib/cognito'
import { sessionStore, tokenExpiry } from '../../../lib/session'

export class NoAccessToken extends Error {
  constructor() {
    super('no access token')
    this.name = 'NoAccessToken'
  }
}

/** The user's access token, renewed first when it is about to expire. */
async function accessToken(): Promise<string> {
  let session = sessionStore.get()
  if (!session) throw new NoAccessToken()
  const exp = session.accessToken ? tokenExpiry(session.accessToken) : null
  if (!session.accessToken || (exp !== null && exp - Date.now() / 1000 < 60)) {
    session = (await renewOnce(session)) ?? session
  }
  if (!session.accessToken) throw new NoAccessToken()
  return session.accessToken
}

export const mfaQueryKey = ['mfa'] as const

export function mfaStatusQueryOptions() {
  return queryOptions({
    queryKey: mfaQueryKey,
    queryFn: async () => {
      const user = await getUser(await accessToken())
      return { totpEnabled: (user.UserMFASettingList ?? []).includes('SOFTWARE_TOKEN_MFA') }
    },
    staleTime: 60_000,
  })
}

export function useMfaStatus() {
  return useQuery(mfaStatusQueryOptions())
}

export async function startTotpSetup(): Promise<{ secret: string }> {
  const answer = await associateSoftwareToken({ accessToken: await accessToken() })
  return { secret: answer.SecretCode }
}

export async function confirmTotpSetup({ code, deviceName }: { code: string; deviceName: string }): Promise<void> {
  const token = await accessToken()
  await verifySoftwareToken({ accessToken: token }, code.trim(), deviceName)
  await enableTotpMfa(token)
}

export function useConfirmTotpSetup() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: confirmTotpSetup,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: mfaQueryKey }),
  })
}
