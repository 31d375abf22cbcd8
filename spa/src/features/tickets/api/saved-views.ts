import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, apiRequest } from '../../../lib/api-client'
import { PRIORITIES, TICKET_STATUSES, TIERS } from '../types'
import { NO_FILTERS, type TicketFilters } from './get-tickets'

/** An agent's saved inbox filters (`/api/v1/me/views`, docs/workspace.md). */
export type ViewFilters = Partial<Record<'status' | 'assignee' | 'team' | 'priority' | 'channel' | 'tier' | 'tag' | 'q', string | null>>

export type SavedView = { id: string; owner_id: string; name: string; filters: ViewFilters; position: number; created_at: string; updated_at: string }

const viewsKey = ['me', 'views'] as const

export function useSavedViews() {
  return useQuery({
    queryKey: viewsKey,
    queryFn: ({ signal }) => api.get<{ items: SavedView[] }>('/me/views', undefined, signal),
    staleTime: 60_000,
  })
}

export function usePutView() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: ({ id, name, filters, position }: { id: string; name: string; filters: ViewFilters; position: number }) =>
      api.put<SavedView>(`/me/views/${encodeURIComponent(id)}`, { name, filters, position }),
    onSuccess: () => client.invalidateQueries({ queryKey: viewsKey }),
  })
}

export function useDeleteView() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (id: string) => apiRequest<void>(`/me/views/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => client.invalidateQueries({ queryKey: viewsKey }),
  })
}

const oneOf = <T extends string>(values: readonly T[], value: string | null | undefined): value is T =>
  typeof value === 'string' && (values as readonly string[]).includes(value)

/** The inbox's filters as a view stores them: only those set. */
export function toViewFilters(filters: TicketFilters): ViewFilters {
  const out: ViewFilters = {}
  for (const [key, value] of Object.entries(filters) as [keyof TicketFilters, string][]) {
    if (value && value !== NO_FILTERS[key] && value !== 'all') out[key] = value
  }
  return out
}

/** A view's filters as the inbox applies them (what the inbox has no control for, such as `tag`, is left out). */
export function fromViewFilters(filters: ViewFilters): TicketFilters {
  const { status, assignee, priority, tier } = filters
  return {
    status: oneOf(TICKET_STATUSES, status) ? status : 'all',
    assignee: assignee === 'me' || assignee === 'unassigned' ? assignee : '',
    team: filters.team ?? '',
    priority: oneOf(PRIORITIES, priority) ? priority : '',
    channel: filters.channel ?? '',
    tier: oneOf(TIERS, tier) ? tier : '',
    q: filters.q ?? '',
  }
}

export const sameFilters = (a: TicketFilters, b: TicketFilters) =>
  (Object.keys(NO_FILTERS) as (keyof TicketFilters)[]).every((key) => a[key] === b[key])

/** A view id from its name (the API takes a-z 0-9 _ -); a name with none of those (Chinese) gets a time-based one. */
export function viewIdFor(name: string, taken: string[], now = Date.now()): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|-+$/g, '')
    .slice(0, 32)
  const base = slug || `view-${now.toString(36)}`
  let id = base
  for (let n = 2; taken.includes(id); n++) id = `${base}-${n}`
  return id
}
