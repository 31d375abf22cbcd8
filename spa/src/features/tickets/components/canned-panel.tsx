import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import { Alert } from '../../../components/ui/alert'
import { useCannedReplies, type CannedReply } from '../api/canned-replies'

/** Canned replies by search, for those who would rather click than type "/" (a tablet). */
export function CannedPanel({ onChoose }: { onChoose: (reply: CannedReply) => void }) {
  const { t } = useTranslation()
  const [q, setQ] = useState('')
  const list = useCannedReplies(q.trim())
  const items = list.data?.items ?? []
  return (
    <section className="composer-panel" aria-labelledby="canned-panel-title" data-testid="canned-panel">
      <h3 id="canned-panel-title">{t('canned.title')}</h3>
      <input
        type="search"
        aria-label={t('canned.search')}
        placeholder={t('canned.searchPlaceholder')}
        value={q}
        onChange={(e) => setQ(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && e.preventDefault()} // inside the reply form: Enter must not send
      />
      {list.isError && <Alert>{list.error.message}</Alert>}
      {list.data && items.length === 0 && <p className="muted">{t('canned.noMatch')}</p>}
      <ul className="composer-list">
        {items.map((reply) => (
          <li key={reply.id}>
            <div>
              <span className="mono">/{reply.shortcut}</span> <strong>{reply.title}</strong>
              <br />
              <span className="muted">{reply.body}</span>
            </div>
            <button type="button" className="button" onClick={() => onChoose(reply)} aria-label={t('canned.insertNamed', { title: reply.title })}>
              {t('canned.insert')}
            </button>
          </li>
        ))}
      </ul>
      <Link to="/canned-replies">{t('canned.manage')}</Link>
    </section>
  )
}
