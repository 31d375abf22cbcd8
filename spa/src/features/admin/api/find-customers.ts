import { queryOptions, useQuery } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import type { CustomerSummary } from '../../tickets/types'

/** `GET /api/v1/customers?phone=` | `?email=` | `?channel=&external_id=` (docs/customers.md): the customers an
 * exact phone number, email or channel id leads to, merged ones as the customer they went into, each once.
 * Phone numbers, emails and identities come masked for every role. */
export type CustomerLookup = { kind: 'phone'; value: string } | { kind: 'email'; value: string } | { kind: 'channel'; channel: string; value: string }
export type FoundCustomers = { items: CustomerSummary[]; next_cursor: string | null }

export const LOOKUP_KINDS = ['phone', 'email', 'channel'] as const

function lookupQuery(lookup: CustomerLookup): Record<string, string> {
  if (lookup.kind === 'channel') return { channel: lookup.channel, external_id: lookup.value }
  return { [lookup.kind]: lookup.value }
}

export function findCustomers(lookup: CustomerLookup, signal?: AbortSignal): Promise<FoundCustomers> {
  return api.get<FoundCustomers>('/customers', lookupQuery(lookup), signal)
}

export function findCustomersQueryOptions(lookup: CustomerLookup | null) {
  return queryOptions({
    queryKey: ['admin', 'customer-lookup', lookup],
    queryFn: ({ signal }) => findCustomers(lookup as CustomerLookup, signal),
    enabled: lookup !== null,
    retry: false, // a 400 says what to fix; asking again changes nothing
  })
}

export function useFindCustomers(lookup: CustomerLookup | null) {
  return useQuery(findCustomersQueryOptions(lookup))
}
