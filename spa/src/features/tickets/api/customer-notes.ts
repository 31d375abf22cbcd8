import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, apiRequest } from '../../../lib/api-client'

/** Notes agents keep on a customer, never shown to the customer (docs/workspace.md). */
export type CustomerNote = {
  id: string
  customer_id: string
  body: string
  author_id: string
  author_email?: string | null
  created_at: string
}

const notesKey = (customerId: string) => ['customers', customerId, 'notes'] as const

export function useCustomerNotes(customerId: string) {
  return useQuery({
    queryKey: notesKey(customerId),
    queryFn: ({ signal }) =>
      api.get<{ items: CustomerNote[] }>(`/customers/${encodeURIComponent(customerId)}/notes`, undefined, signal),
    enabled: customerId !== '',
    staleTime: 30_000,
  })
}

export function useAddCustomerNote(customerId: string) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (body: string) => api.post<CustomerNote>(`/customers/${encodeURIComponent(customerId)}/notes`, { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: notesKey(customerId) }),
  })
}

export function useDeleteCustomerNote(customerId: string) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (noteId: string) =>
      apiRequest<void>(`/customers/${encodeURIComponent(customerId)}/notes/${encodeURIComponent(noteId)}`, {
        method: 'DELETE',
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: notesKey(customerId) }),
  })
}
