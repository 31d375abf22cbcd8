import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import { meQueryKey, type Me, type Presence } from './get-me'

export function updatePresence(status: Presence): Promise<unknown> {
  return api.put<unknown>('/me/presence', { status })
}

export function useUpdatePresence() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: updatePresence,
    onSuccess: (_answer, status) => {
      queryClient.setQueryData<Me>(meQueryKey, (me) => (me ? { ...me, presence: status } : me))
      void queryClient.invalidateQueries({ queryKey: meQueryKey })
    },
  })
}
