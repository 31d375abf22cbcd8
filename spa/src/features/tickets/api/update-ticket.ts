import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import type { Priority, Ticket, TicketDetail, TicketStatus } from '../types'
import { ticketQueryKey } from './get-ticket'

export type TicketChanges = {
  status?: TicketStatus
  priority?: Priority
  type?: string
  tags?: string[]
}

export type UpdateTicketInput = { ticketId: string; changes: TicketChanges }

export function updateTicket({ ticketId, changes }: UpdateTicketInput): Promise<Ticket> {
  return api.patch<Ticket>(`/tickets/${encodeURIComponent(ticketId)}`, changes)
}

export function useUpdateTicket() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: updateTicket,
    onSuccess: (updated, { ticketId }) => {
      // Show the new state at once; the refetch brings the events and anything else that changed.
      queryClient.setQueryData<TicketDetail>(ticketQueryKey(ticketId), (old) =>
        old && updated && typeof updated === 'object' ? { ...old, ...updated, messages: old.messages } : old,
      )
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: ticketQueryKey(ticketId) }),
        queryClient.invalidateQueries({ queryKey: ['tickets', 'list'] }),
      ])
    },
  })
}
