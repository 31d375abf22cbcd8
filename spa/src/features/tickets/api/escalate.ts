import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import type { Ticket } from '../types'
import { ticketQueryKey } from './get-ticket'

/** `POST /api/v1/tickets/{id}/escalate {"reason"}`: level 1 (supervisors), then 2 (the expert team). */
export function useEscalateTicket() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: ({ ticketId, reason }: { ticketId: string; reason: string }) =>
      api.post<Ticket>(`/tickets/${encodeURIComponent(ticketId)}/escalate`, { reason }),
    onSuccess: (_ticket, { ticketId }) =>
      Promise.all([
        client.invalidateQueries({ queryKey: ticketQueryKey(ticketId) }),
        client.invalidateQueries({ queryKey: ['tickets', 'list'] }),
        client.invalidateQueries({ queryKey: ['notifications'] }), // the bell's feed (a supervisor's own escalation)
      ]),
  })
}
