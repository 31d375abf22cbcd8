import { useTranslation } from 'react-i18next'
import type { CannedReply } from '../api/canned-replies'

type Props = {
  id: string
  replies: CannedReply[]
  active: number
  onChoose: (reply: CannedReply) => void
  onHover: (index: number) => void
}

/** A listbox under the reply box; the textarea keeps focus and points at the active option. */
export function CannedSuggestions({ id, replies, active, onChoose, onHover }: Props) {
  const { t } = useTranslation()
  return (
    <ul id={id} role="listbox" className="suggestions" aria-label={t('canned.suggestions')} data-testid="canned-suggestions">
      {replies.length === 0 && (
        <li role="option" aria-selected={false} aria-disabled className="muted">
          {t('canned.noMatch')}
        </li>
      )}
      {replies.map((reply, index) => (
        <li
          key={reply.id}
          id={`${id}-${index}`}
          role="option"
          aria-selected={index === active}
          className={index === active ? 'active' : ''}
          data-testid="canned-option"
          onMouseDown={(e) => {
            e.preventDefault() // keep the caret in the textarea
            onChoose(reply)
          }}
          onMouseEnter={() => onHover(index)}
        >
          <span className="mono">/{reply.shortcut}</span> <strong>{reply.title}</strong>
          {reply.scope === 'shared' && <span className="badge">{t('canned.shared')}</span>}
        </li>
      ))}
    </ul>
  )
}
