import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import type { Tier } from '../../tickets/types'

/** An organization (B2B account, docs/routing.md): its contacts' tickets start in its dedicated team at its tier,
 * and its dedicated agent gets them first. `GET /api/v1/admin/organizations` lists them by id, `PUT
 * /api/v1/admin/organizations/{id}` saves one (admins only). */
export type Organization = {
  id: string
  name: string
  tier: Tier
  team: string | null
  agent: string | null
  updated_at?: string | null
}
export type OrganizationInput = Omit<Organization, 'id' | 'updated_at'>

export const organizationsKey = ['admin', 'organizations'] as const

export const useOrganizations = () =>
  useQuery({ queryKey: organizationsKey, queryFn: ({ signal }) => api.get<{ items: Organization[]; next_cursor?: string | null }>('/admin/organizations', undefined, signal) })

export function useSaveOrganization() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: ({ id, organization }: { id: string; organization: OrganizationInput }) => api.put<Organization>(`/admin/organizations/${encodeURIComponent(id)}`, organization),
    onSuccess: () => client.invalidateQueries({ queryKey: organizationsKey }),
  })
}
