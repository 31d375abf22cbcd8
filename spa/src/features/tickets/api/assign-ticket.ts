import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import type { Ticket, TicketDetail } from '../types'
import { agentsQueryKey } from './get-agents'
import { ticketQueryKey } from './get-ticket'

/** A transfer: to an agent, to a team, or both (`POST /tickets/{id}/assign`). */
export type AssignInput = { ticketId: string; agentId?: string; team?: string }

export function assignTicket({ ticketId, agentId, team }: AssignInput): Promise<Ticket> {
  const body: Record<string, string> = {}
  if (agentId) body.agent_id = agentId
  if (team) body.team = team
  return api.post<Ticket>(`/tickets/${encodeURIComponent(ticketId)}/assign`, body)
}

export function useAssignTicket() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: assignTicket,
    onSuccess: (updated, { ticketId }) => {
      queryClient.setQueryData<TicketDetail>(ticketQueryKey(ticketId), (old) =>
        old && updated && typeof updated === 'object' ? { ...old, ...updated, messages: old.messages } : old,
      )
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: ticketQueryKey(ticketId) }),
        queryClient.invalidateQueries({ queryKey: ['tickets', 'list'] }),
        queryClient.invalidateQueries({ queryKey: agentsQueryKey }), // loads moved
      ])
    },
  })
}
