import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import type { Message } from '../types'
import { ticketQueryKey } from './get-ticket'

export type SendMessageInput = { ticketId: string; body: string; internal: boolean }

export function sendMessage({ ticketId, body, internal }: SendMessageInput): Promise<Message> {
  return api.post<Message>(`/tickets/${encodeURIComponent(ticketId)}/messages`, { body, internal })
}

export function useSendMessage() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: sendMessage,
    onSuccess: (_message, { ticketId }) =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ticketQueryKey(ticketId) }),
        queryClient.invalidateQueries({ queryKey: ['tickets', 'list'] }),
      ]),
  })
}
