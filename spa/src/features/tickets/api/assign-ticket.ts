import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import type { Ticket, TicketDetail } from '../types'
import { agentsQueryKey } from './get-agents'
import { ticketQueryKey } from './get-ticket'

/** A transfer: to an agent, to a team, or both (`POST /tickets/{id}/assign`). */
export type AssignInput = {
  ticketId: string
  agentId?: string
  team?: string
  /** Why, kept on the ticket's `assigned` event. */
  note?: string
  /** Supervisors and admins: the agent takes it even at capacity. */
  overrideCapacity?: boolean
}

export function assignTicket({ ticketId, agentId, team, note, overrideCapacity }: AssignInput): Promise<Ticket> {
  const body: Record<string, string | boolean> = {}
  if (agentId) body.agent_id = agentId
  if (team) body.team = team
  if (note) body.note = note
  if (overrideCapacity) body.override_capacity = true
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
