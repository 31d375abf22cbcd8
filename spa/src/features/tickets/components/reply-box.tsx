import { useState, type FormEvent, type KeyboardEvent } from 'react'
import { Alert } from '../../../components/ui/alert'
import { useSendMessage } from '../api/send-message'

type Props = { ticketId: string; disabled?: boolean; disabledReason?: string }

export function ReplyBox({ ticketId, disabled = false, disabledReason }: Props) {
  const [body, setBody] = useState('')
  const [internal, setInternal] = useState(false)
  const send = useSendMessage()
  const canSend = !disabled && body.trim() !== '' && !send.isPending

  const submit = (event?: FormEvent) => {
    event?.preventDefault()
    if (!canSend) return
    send.mutate(
      { ticketId, body: body.trim(), internal },
      {
        onSuccess: () => {
          setBody('')
          setInternal(false)
        },
      },
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
          disabled ? (disabledReason ?? 'Replies are closed') : internal ? 'Note for your team (the customer will not see it)…' : 'Reply to the customer…  (Ctrl+Enter to send)'
        }
        value={body}
        onChange={(e) => setBody(e.target.value)}
        onKeyDown={onKeyDown}
        disabled={disabled}
        rows={3}
      />
      <div className="reply-actions">
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="internal-toggle"
            checked={internal}
            onChange={(e) => setInternal(e.target.checked)}
            disabled={disabled}
          />
          Internal note
        </label>
        <button type="submit" className="button primary" data-testid="send-button" disabled={!canSend}>
          {send.isPending ? 'Sending…' : internal ? 'Add note' : 'Send'}
        </button>
      </div>
    </form>
  )
}
