import { queryOptions, useQuery } from '@tanstack/react-query'
import { useCallback, useMemo } from 'react'
import { useTranslation } from 'react-i18next'
import { api } from '../../../lib/api-client'

/** One entry of the agent directory (`GET /api/v1/agents`). */
export type DirectoryAgent = {
  id: string
  name?: string | null
  email?: string | null
  teams: string[]
  presence: string
  load: Record<string, number>
}

export function getAgents(signal?: AbortSignal): Promise<{ items: DirectoryAgent[] }> {
  return api.get<{ items: DirectoryAgent[] }>('/agents', undefined, signal)
}

export const agentsQueryKey = ['agents'] as const

export function agentsQueryOptions() {
  // Presence and load change all day; names rarely. A minute is fresh enough for both on this screen.
  return queryOptions({ queryKey: agentsQueryKey, queryFn: ({ signal }) => getAgents(signal), staleTime: 60_000 })
}

export function useAgents() {
  return useQuery({ ...agentsQueryOptions(), refetchInterval: 60_000 })
}

export function agentDisplayName(agent: DirectoryAgent): string {
  return agent.name || agent.email || agent.id
}

/**
 * Agents by name, never by id: `name(id)` is the directory's name ("Li Na", "Li Na (you)"), or "Unknown agent"
 * for an id the directory does not know (a removed agent) and "…" while the directory loads.
 */
export function useAgentNames(currentAgentId?: string) {
  const { t } = useTranslation()
  const agents = useAgents()
  const byId = useMemo(() => new Map((agents.data?.items ?? []).map((agent) => [agent.id, agent])), [agents.data])
  const name = useCallback(
    (agentId: string): string => {
      const agent = byId.get(agentId)
      if (!agent) return agents.isPending ? '…' : t('agents.unknown')
      const display = agentDisplayName(agent)
      return agentId === currentAgentId ? t('agents.me', { name: display }) : display
    },
    [byId, agents.isPending, currentAgentId, t],
  )
  return { name, agents: agents.data?.items ?? [], isPending: agents.isPending, error: agents.error }
}
