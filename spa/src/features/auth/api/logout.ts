import { useQueryClient } from '@tanstack/react-query'
import { sessionStore } from '../../../lib/session'

/** Forgets the tokens and everything fetched with them; the router then shows the login screen. */
export function useLogout() {
  const queryClient = useQueryClient()
  return () => {
    sessionStore.clear()
    queryClient.clear()
  }
}
