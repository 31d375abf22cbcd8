import { useMutation } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import type { Identity } from '../types'

/** The permission `/me` lists for callers who may reveal a customer's contact details (supervisors, admins). */
export const REVEAL_CONTACTS = 'customer.reveal_contacts'

export type RevealField = 'phone' | 'email' | 'identities'

export type Revealed = {
  customer_id: string
  fields: RevealField[]
  phone?: string | null
  email?: string | null
  identities?: Identity[] | null
  audit_id: string
  revealed_at: string
}

/** `POST /api/v1/customers/{id}/reveal`: the whole values, once, audited with the reason. Never cached: the
 * answer lives only in the component that asked for it (gcTime 0: the mutation cache drops it as the panel goes). */
export function useRevealContacts(customerId: string) {
  return useMutation({
    gcTime: 0,
    mutationFn: ({ fields, reason }: { fields: RevealField[]; reason: string }) =>
      api.post<Revealed>(`/customers/${encodeURIComponent(customerId)}/reveal`, { fields, reason }),
  })
}
