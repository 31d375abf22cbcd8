import { useQueryClient } from '@tanstack/react-query'
import { globalSignOut } from '../../../lib/cognito'
import { sessionStore } from '../../../lib/session'

/**
 * Signs out: Cognito revokes the refresh tokens (GlobalSignOut), then the tokens and everything fetched with
 * them are forgotten here and the router shows the login screen. Never blocked by an unreachable Cognito.
 */
export function useLogout() {
  const queryClient = useQueryClient()
  return async () => {
    const accessToken = sessionStore.get()?.accessToken
    if (accessToken) await globalSignOut(accessToken).catch(() => undefined)
    sessionStore.clear()
    queryClient.clear()
  }
}
