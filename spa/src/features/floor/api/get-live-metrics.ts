import { useQuery } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'

/** `GET /api/v1/metrics/live` (docs/contract.md "Live figures", docs/metrics.md). Every section is optional here:
 * the floor renders the sections the API sends. */
export type QueueFigures = { team: string; kind: string; waiting: number; longest_wait_seconds: number | null }
export type TeamFigures = { team: string; waiting: number; longest_wait_seconds: number | null }
export type AssignmentFigures = {
  team: string | null
  assigned: number
  average_wait_seconds: number | null
  median_wait_seconds_at_most: number | null
}
export type AgentLoad = { id: string; teams: string[]; load: Record<string, number>; capacity: Record<string, number> }
export type RoutingFigures = {
  queues: QueueFigures[]
  teams: TeamFigures[]
  assignments_today: AssignmentFigures[]
  agents_online: number
  agents: AgentLoad[]
}
export type SlaTeamFigures = {
  team: string
  at_risk: number
  breaches_today: number
  first_responses_today: number
  average_first_response_seconds: number | null
}
export type SlaFigures = {
  at_risk: number
  breaches_today: number
  first_responses_today: number
  average_first_response_seconds: number | null
  teams: SlaTeamFigures[]
}
export type KbFigures = {
  day: string
  bot_conversations: number
  bot_answers: number
  bot_resolved_confirmed_by_customer: number
  bot_handoffs: number
  bot_handoffs_by_reason: Record<string, number>
  bot_resolution_rate: number | null
  handoff_rate: number | null
  helpful_votes: number
  not_helpful_votes: number
  helpful_share: number | null
}
export type LiveMetrics = { generated_at: string; routing?: RoutingFigures; sla?: SlaFigures; kb?: KbFigures }

export const FLOOR_REFRESH_MS = 5_000

export function useLiveMetrics() {
  return useQuery({
    queryKey: ['metrics', 'live'],
    queryFn: ({ signal }) => api.get<LiveMetrics>('/metrics/live', undefined, signal),
    refetchInterval: FLOOR_REFRESH_MS,
    refetchIntervalInBackground: false,
  })
}

/** Load of an agent against capacity, summed over kinds (chat, ticket, …), 0..1 or null with no capacity. */
export function loadShare(agent: AgentLoad): { load: number; capacity: number; share: number | null } {
  const load = Object.values(agent.load).reduce((a, b) => a + b, 0)
  const capacity = Object.values(agent.capacity).reduce((a, b) => a + b, 0)
  return { load, capacity, share: capacity > 0 ? Math.min(load / capacity, 1) : null }
}
