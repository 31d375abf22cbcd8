import { useState, type FormEvent, type KeyboardEvent } from 'react'
import { Alert } from '../../../components/ui/alert'
import { useSendMessage } from '../api/send-message'

type Props = {
  ticketId: string
  /** Closed tickets take internal notes only; the customer's next message opens a new ticket. */
  notesOnly?: boolean
  notesOnlyReason?: string
}

export function ReplyBox({ ticketId, notesOnly = false, notesOnlyReason }: Props) {
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
  }

  return (
    <form className={`reply-box ${internal ? 'internal' : ''}`} onSubmit={submit} aria-label="Reply">
      {send.error && (
        <Alert onDismiss={() => send.reset()} testId="reply-error">
          {send.error.message}
        </Alert>
      )}
      <textarea
        aria-label={internal ? 'Internal note' : 'Reply to customer'}
        data-testid="reply-box"
        placeholder={
          internal
            ? 'Note for your team (the customer will not see it)…  (Ctrl+Enter to save)'
            : 'Reply to the customer…  (Ctrl+Enter to send)'
        }
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
          Internal note
        </label>
        {notesOnly && <span className="muted reply-hint">{notesOnlyReason}</span>}
        <button type="submit" className="button primary" data-testid="send-button" disabled={!canSend}>
          {send.isPending ? 'Sending…' : internal ? 'Add note' : 'Send'}
        </button>
      </div>
    </form>
  )
}
