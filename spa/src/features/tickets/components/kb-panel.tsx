import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Alert } from '../../../components/ui/alert'
import { getArticle, snippetParts, useKbSearch, useSuggestedArticles, type Article, type ArticleHit } from '../api/knowledge'

function Snippet({ html }: { html: string }) {
  return (
    <span className="snippet">
      {snippetParts(html).map((part, i) => (part.mark ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>))}
    </span>
  )
}

type Props = {
  ticketId: string
  onInsert: (article: Article) => void
  /** An internal article goes into an internal note only, never into a reply the customer reads. */
  internalReply: boolean
}

/** Knowledge-base search in the composer: the ticket's suggested articles until the agent searches. */
export function KbPanel({ ticketId, onInsert, internalReply }: Props) {
  const { t } = useTranslation()
  const [q, setQ] = useState('')
  const search = useKbSearch(q)
  const suggested = useSuggestedArticles(ticketId, q.trim() === '')
  const [error, setError] = useState<string | null>(null)
  const [loadingId, setLoadingId] = useState<string | null>(null)
  const searching = q.trim() !== ''
  const result = searching ? search : suggested
  const hits: ArticleHit[] = result.data?.items ?? []

  const insert = async (hit: ArticleHit) => {
    setError(null)
    setLoadingId(hit.id)
    try {
      onInsert(await getArticle(hit.id))
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    } finally {
      setLoadingId(null)
    }
  }

  return (
    <section className="composer-panel" aria-labelledby="kb-panel-title" data-testid="kb-panel">
      <h3 id="kb-panel-title">{t('kb.title')}</h3>
      <input
        type="search"
        aria-label={t('kb.search')}
        placeholder={t('kb.searchPlaceholder')}
        value={q}
        onChange={(e) => setQ(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && e.preventDefault()} // inside the reply form: Enter must not send
        data-testid="kb-search"
      />
      {error && <Alert onDismiss={() => setError(null)}>{error}</Alert>}
      {result.isError && <Alert>{result.error.message}</Alert>}
      <p className="muted" aria-live="polite">
        {result.isFetching && !result.data ? t('common.loading') : searching ? t('kb.results', { count: hits.length }) : t('kb.suggested')}
      </p>
      {/* Focusable: internal-only hits offer no button, and the capped list must still scroll by keyboard. */}
      <ul className="composer-list" tabIndex={0} aria-label={t('kb.results', { count: hits.length })}>
        {hits.map((hit) => (
          <li key={hit.id} data-testid="kb-hit">
            <div>
              <strong>{hit.title}</strong>
              {hit.visibility === 'internal' && <span className="badge">{t('kb.internal')}</span>}
              <br />
              <Snippet html={hit.snippet} />
            </div>
            {hit.visibility === 'internal' && !internalReply ? (
              <span className="muted" data-testid="kb-internal-only">{t('kb.internalOnly')}</span>
            ) : (
              <button type="button" className="button" disabled={loadingId !== null} onClick={() => void insert(hit)} aria-label={t('kb.insertNamed', { title: hit.title })}>
                {loadingId === hit.id ? t('common.loading') : t('kb.insert')}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}
