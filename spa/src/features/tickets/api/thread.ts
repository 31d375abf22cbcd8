import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'

/** Files, read markers and typing of a ticket's thread (the agent API's /tickets/{id}/attachments, /read, /typing). */

export type Upload = { id: string; name: string; content_type: string; size: number }

/** The API's limit for one file (kefu.services.media.UPLOAD_MAX_BYTES). */
export const MAX_UPLOAD_BYTES = 4 * 1024 * 1024
export const MAX_FILES = 10

function base64Of(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'))
    reader.onload = () => {
      const text = String(reader.result)
      resolve(text.slice(text.indexOf(',') + 1)) // a data: URL; the API takes the base64 after the comma
    }
    reader.readAsDataURL(file)
  })
}

export async function uploadAttachment(ticketId: string, file: File): Promise<Upload> {
  const data = await base64Of(file)
  return api.post<Upload>(`/tickets/${encodeURIComponent(ticketId)}/attachments`, {
    name: file.name,
    content_type: file.type || null,
    data,
  })
}

export function markRead(ticketId: string, upTo?: string): Promise<{ ticket_id: string; read_up_to: string }> {
  return api.put(`/tickets/${encodeURIComponent(ticketId)}/read`, upTo ? { up_to: upTo } : {})
}

export function useMarkRead() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: ({ ticketId, upTo }: { ticketId: string; upTo?: string }) => markRead(ticketId, upTo),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['tickets', 'list'] }),
  })
}

/** Tells the customer's widget the agent is typing; at most one call per TYPING_EVERY_MS per ticket. */
export const TYPING_EVERY_MS = 3_000
const lastTyping = new Map<string, number>()

export function signalTyping(ticketId: string, now: number = Date.now()): boolean {
  if (now - (lastTyping.get(ticketId) ?? -Infinity) < TYPING_EVERY_MS) return false
  lastTyping.set(ticketId, now)
  void api.post(`/tickets/${encodeURIComponent(ticketId)}/typing`, {}).catch(() => undefined)
  return true
}
