import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'

/** A hit of `GET /api/v1/kb/search` or `GET /api/v1/tickets/{id}/suggested-articles`. `snippet` is HTML the API
 * escaped itself, with matches in `<mark>` (docs/knowledge-base.md); the app still renders it as text. */
export type ArticleHit = {
  id: string
  title: string
  snippet: string
  score: number
  locale: string
  category?: string | null
  visibility?: 'public' | 'internal'
}

export type ArticleHits = { items: ArticleHit[]; next_cursor?: string | null }

export type Article = { id: string; title: string; body: string; locale: string; visibility?: string }

export function useKbSearch(q: string) {
  const query = q.trim()
  return useQuery({
    queryKey: ['kb', 'search', query],
    queryFn: ({ signal }) => api.get<ArticleHits>('/kb/search', { q: query, limit: 8 }, signal),
    enabled: query !== '',
    staleTime: 60_000,
    placeholderData: keepPreviousData,
  })
}

export function useSuggestedArticles(ticketId: string, enabled = true) {
  return useQuery({
    queryKey: ['kb', 'suggested', ticketId],
    queryFn: ({ signal }) =>
      api.get<ArticleHits>(`/tickets/${encodeURIComponent(ticketId)}/suggested-articles`, undefined, signal),
    enabled,
    staleTime: 60_000,
  })
}

export function getArticle(id: string): Promise<Article> {
  return api.get<Article>(`/kb/articles/${encodeURIComponent(id)}`)
}

export type SnippetPart = { text: string; mark: boolean }

/** The snippet's text and its `<mark>`ed matches, without ever putting its HTML into the page. */
export function snippetParts(snippet: string): SnippetPart[] {
  const decode = (html: string) =>
    html
      .replace(/<[^>]*>/g, '')
      .replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (_m, entity: string) => {
        const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }
        if (entity[0] !== '#') return named[entity.toLowerCase()]
        const code = entity[1].toLowerCase() === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10)
        return String.fromCodePoint(code)
      })
  const parts: SnippetPart[] = []
  snippet.split(/(<mark>[\s\S]*?<\/mark>)/).forEach((piece) => {
    if (!piece) return
    const marked = piece.startsWith('<mark>') && piece.endsWith('</mark>')
    const text = decode(marked ? piece.slice(6, -7) : piece)
    if (text) parts.push({ text, mark: marked })
  })
  return parts
}
