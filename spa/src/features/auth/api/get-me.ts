import { queryOptions, useQuery } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'

export type Presence = 'online' | 'away' | 'offline'

export type Me = {
  id: string
  email?: string | null
  name?: string | null
  roles: string[]
  /** What the roles allow, e.g. `customer.reveal_contacts` (the API's permission map). */
  permissions?: string[]
  skills?: string[]
  teams?: string[]
  presence?: Presence | string | null
}

export function getMe(signal?: AbortSignal): Promise<Me> {
  return api.get<Me>('/me', undefined, signal)
}

export const meQueryKey = ['me'] as const

export function meQueryOptions() {
  return queryOptions({ queryKey: meQueryKey, queryFn: ({ signal }) => getMe(signal), staleTime: 60_000 })
}

export function useMe() {
  return useQuery(meQueryOptions())
}
