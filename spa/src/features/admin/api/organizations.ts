import { useInfiniteQuery, useMutation, useQueryClient, type InfiniteData } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import type { Page, Tier } from '../../tickets/types'

/** An organization (B2B account, docs/routing.md): its contacts' tickets start in its dedicated team at its tier,
 * and its dedicated agent gets them first. `GET /api/v1/admin/organizations` lists them by id in pages (`cursor`:
 * the previous page's `next_cursor`), `PUT /api/v1/admin/organizations/{id}` saves one (admins only). */
export type Organization = {
  id: string
  name: string
  tier: Tier
  team: string | null
  agent: string | null
  updated_at?: string | null
}
export type OrganizationInput = Omit<Organization, 'id' | 'updated_at'>
export type OrganizationPages = InfiniteData<Page<Organization>>

export const organizationsKey = ['admin', 'organizations'] as const

/** The list, a page at a time ("load more" asks for the next). A save refetches the pages loaded so far. */
export const useOrganizations = () =>
  useInfiniteQuery({
    queryKey: organizationsKey,
    queryFn: ({ pageParam, signal }) => api.get<Page<Organization>>('/admin/organizations', { cursor: pageParam ?? undefined }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  })

/** Whether the loaded pages settle if there is an organization `id`: the list is by id, so they do once they hold
 * the whole list or reach `id` (ids are ASCII, so JavaScript orders them as DynamoDB does). */
export function pagesReach(pages: OrganizationPages | undefined, hasNextPage: boolean, id: string): boolean {
  if (!pages) return false
  if (!hasNextPage) return true
  const last = pages.pages.at(-1)?.items.at(-1)
  return last !== undefined && last.id >= id
}

export function useSaveOrganization() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: ({ id, organization }: { id: string; organization: OrganizationInput }) => api.put<Organization>(`/admin/organizations/${encodeURIComponent(id)}`, organization),
    onSuccess: () => client.invalidateQueries({ queryKey: organizationsKey }),
  })
}
