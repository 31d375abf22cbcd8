import { forwardRef, useState, type FormEvent, type KeyboardEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Alert } from '../../../components/ui/alert'
import { useSendMessage } from '../api/send-message'

type Props = {
  ticketId: string
  /** Closed tickets take internal notes only; the customer's next message opens a new ticket. */
  notesOnly?: boolean
  notesOnlyReason?: string
}

export const ReplyBox = forwardRef<HTMLTextAreaElement, Props>(function ReplyBox(
  { ticketId, notesOnly = false, notesOnlyReason },
  textareaRef,
) {
  const { t } = useTranslation()
  const [body, setBody] = useState('')
  const [internalChosen, setInternal] = useState(false)
  const internal = notesOnly || internalChosen
  const send = useSendMessage()
  const canSend = body.trim() !== '' && !send.isPending

  const submit = (event?: FormEvent) => {
    event?.preventDefault()
    if (!canSend) return
    const text = body.trim()
    // Clear at once so the agent can type the next message; put the text back if sending fails.
    setBody('')
    send.mutate(
      { ticketId, body: text, internal },
      { onError: () => setBody((current) => (current.trim() === '' ? text : current)) },
    )
  }

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) submit()
    if (event.key === 'Escape') event.currentTarget.blur() // back to the single-key shortcuts
  }

  return (
    <form className={`reply-box ${internal ? 'internal' : ''}`} onSubmit={submit} aria-label={t('reply.label')}>
      {send.error && (
        <Alert onDismiss={() => send.reset()} testId="reply-error">
          {send.error.message}
        </Alert>
      )}
      <textarea
        ref={textareaRef}
        aria-label={internal ? t('reply.internalNote') : t('reply.toCustomer')}
        aria-keyshortcuts="R"
        data-testid="reply-box"
        placeholder={internal ? t('reply.notePlaceholder') : t('reply.placeholder')}
        value={body}
        onChange={(e) => setBody(e.target.value)}
        onKeyDown={onKeyDown}
        rows={3}
      />
      <div className="reply-actions">
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="internal-toggle"
            checked={internal}
            onChange={(e) => setInternal(e.target.checked)}
            disabled={notesOnly}
          />
          {t('reply.internalNote')}
        </label>
        {notesOnly && <span className="muted reply-hint">{notesOnlyReason}</span>}
        <button type="submit" className="button primary" data-testid="send-button" disabled={!canSend}>
          {send.isPending ? t('reply.sending') : internal ? t('reply.addNote') : t('reply.send')}
        </button>
      </div>
    </form>
  )
})
