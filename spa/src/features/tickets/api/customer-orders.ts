import { useQuery } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'

/** One order in the installation's order system, as the agent API shows it (docs/orders.md): contacts masked,
 * no address. */
export type CustomerOrder = {
  order_number: string
  status: string
  status_label?: string | null
  placed_at: string
  total?: { amount: string; currency: string } | null
  items: { name: string; quantity: number }[]
  carrier?: string | null
  tracking_number?: string | null
  tracking_url?: string | null
  estimated_delivery?: string | null
  delivered_at?: string | null
}

export type CustomerOrders = {
  status: 'ok' | 'not_configured' | 'unavailable'
  message?: string | null
  items: CustomerOrder[]
}

export function useCustomerOrders(customerId: string) {
  return useQuery({
    queryKey: ['customers', customerId, 'orders'] as const,
    queryFn: ({ signal }) =>
      api.get<CustomerOrders>(`/customers/${encodeURIComponent(customerId)}/orders`, { limit: '5' }, signal),
    enabled: customerId !== '',
    staleTime: 60_000,
    retry: false,
  })
}
