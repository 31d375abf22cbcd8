import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, apiRequest } from '../../../lib/api-client'

/** `GET /api/v1/canned-replies`: shared replies and the caller's own (docs/workspace.md). */
export type CannedScope = 'shared' | 'personal'

export type CannedReply = {
  id: string
  scope: CannedScope
  owner_id?: string | null
  shortcut: string
  title: string
  body: string
  locale?: string | null
  tags: string[]
  created_by: string
  created_at: string
  updated_at: string
}

export type CannedReplyList = { items: CannedReply[]; variables: Record<string, string> }

export type CannedReplyFields = { shortcut: string; title: string; body: string; locale?: string | null; tags: string[] }

export type Rendered = { body: string; missing: string[] }

/** What "/" accepts after it: the API's shortcut pattern, typed so far. */
export const SHORTCUT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/

export function listCannedReplies(q: string, signal?: AbortSignal): Promise<CannedReplyList> {
  return api.get<CannedReplyList>('/canned-replies', { q }, signal)
}

export const cannedRepliesKey = ['canned-replies'] as const

export function useCannedReplies(q: string, enabled = true) {
  return useQuery({
    queryKey: [...cannedRepliesKey, q],
    queryFn: ({ signal }) => listCannedReplies(q, signal),
    staleTime: 30_000,
    placeholderData: keepPreviousData,
    enabled,
  })
}

export function renderCannedReply(replyId: string, ticketId: string): Promise<Rendered> {
  return api.post<Rendered>(`/canned-replies/${encodeURIComponent(replyId)}/render`, { ticket_id: ticketId })
}

export type SaveCannedReplyInput =
  | { id?: undefined; scope: CannedScope; fields: CannedReplyFields }
  | { id: string; scope?: undefined; fields: CannedReplyFields }

export function saveCannedReply(input: SaveCannedReplyInput): Promise<CannedReply> {
  if (input.id) return api.put<CannedReply>(`/canned-replies/${encodeURIComponent(input.id)}`, input.fields)
  return api.post<CannedReply>('/canned-replies', { ...input.fields, scope: input.scope })
}

export function deleteCannedReply(id: string): Promise<void> {
  return apiRequest<void>(`/canned-replies/${encodeURIComponent(id)}`, { method: 'DELETE' })
}

export function useSaveCannedReply() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: saveCannedReply,
    onSuccess: () => client.invalidateQueries({ queryKey: cannedRepliesKey }),
  })
}

export function useDeleteCannedReply() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: deleteCannedReply,
    onSuccess: () => client.invalidateQueries({ queryKey: cannedRepliesKey }),
  })
}
