import { queryOptions, useQuery } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import type { CustomerSummary, Ticket } from '../types'

/** `GET /api/v1/customers/{id}`: the profile and the customer's tickets on every channel, newest first. */
export type CustomerProfile = CustomerSummary & { organization?: string | null; tickets: Ticket[] }

export function getCustomer(id: string, signal?: AbortSignal): Promise<CustomerProfile> {
  return api.get<CustomerProfile>(`/customers/${encodeURIComponent(id)}`, undefined, signal)
}

export function customerQueryOptions(id: string) {
  return queryOptions({
    queryKey: ['customers', id],
    queryFn: ({ signal }) => getCustomer(id, signal),
    staleTime: 30_000,
  })
}

export function useCustomer(id: string) {
  return useQuery(customerQueryOptions(id))
}
