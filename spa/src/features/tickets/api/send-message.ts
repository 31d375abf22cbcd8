import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import type { Message } from '../types'
import { ticketQueryKey } from './get-ticket'

export type SendMessageInput = { ticketId: string; body: string; internal: boolean; attachments?: string[] }

export function sendMessage({ ticketId, body, internal, attachments }: SendMessageInput): Promise<Message> {
  // attachments: ids of files uploaded for this reply (api/thread.ts); absent for a text-only reply
  return api.post<Message>(`/tickets/${encodeURIComponent(ticketId)}/messages`, {
    body,
    internal,
    ...(attachments && attachments.length > 0 ? { attachments } : {}),
  })
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
