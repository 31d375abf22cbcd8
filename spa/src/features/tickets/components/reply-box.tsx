import '../../../styles/workspace.css'
import { forwardRef, useId, useImperativeHandle, useRef, useState, type FormEvent, type KeyboardEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Alert } from '../../../components/ui/alert'
import { renderCannedReply, useCannedReplies, type CannedReply } from '../api/canned-replies'
import type { Article } from '../api/knowledge'
import { useSendMessage } from '../api/send-message'
import { CannedPanel } from './canned-panel'
import { rankReplies, slashAt } from '../composer'
import { CannedSuggestions } from './canned-suggestions'
import { KbPanel } from './kb-panel'

type Props = {
  ticketId: string
  /** Closed tickets take internal notes only; the customer's next message opens a new ticket. */
  notesOnly?: boolean
  notesOnlyReason?: string
}

type Panel = 'canned' | 'kb' | null

export const ReplyBox = forwardRef<HTMLTextAreaElement, Props>(function ReplyBox(
  { ticketId, notesOnly = false, notesOnlyReason },
  forwardedRef,
) {
  const { t } = useTranslation()
  const listId = useId()
  const textarea = useRef<HTMLTextAreaElement>(null)
  useImperativeHandle(forwardedRef, () => textarea.current as HTMLTextAreaElement)
  const [body, setBody] = useState('')
  const [caret, setCaret] = useState(0)
  const [internalChosen, setInternal] = useState(false)
  const [missing, setMissing] = useState<string[]>([])
  const [confirming, setConfirming] = useState(false)
  const [insertError, setInsertError] = useState<string | null>(null)
  const [dismissedAt, setDismissedAt] = useState<number | null>(null)
  const [active, setActive] = useState(0)
  const [panel, setPanel] = useState<Panel>(null)
  const internal = notesOnly || internalChosen
  const send = useSendMessage()
  const canSend = body.trim() !== '' && !send.isPending

  const slash = slashAt(body, caret)
  const open = slash !== null && dismissedAt !== slash.start
  const replies = useCannedReplies(slash?.typed ?? '', open)
  const options = open ? rankReplies(replies.data?.items ?? [], slash.typed) : []
  const activeIndex = Math.min(active, Math.max(options.length - 1, 0))

  /** Puts `text` where [start, end) was, and the caret after it. */
  const replace = (start: number, end: number, text: string) => {
    // From the text as it is now: the agent may have typed on while the reply was being filled in.
    setBody((current) => current.slice(0, start) + text + current.slice(end))
    const at = start + text.length
    setCaret(at)
    requestAnimationFrame(() => {
      const el = textarea.current
      if (!el) return
      el.focus()
      el.setSelectionRange(at, at)
    })
  }

  const insertCanned = async (reply: CannedReply, range: { start: number; end: number }) => {
    setInsertError(null)
    try {
      const rendered = await renderCannedReply(reply.id, ticketId)
      replace(range.start, range.end, rendered.body)
      setMissing((current) => [...new Set([...current, ...rendered.missing])])
      setConfirming(false)
    } catch (e) {
      setInsertError(e instanceof Error ? e.message : String(e))
    }
  }

  const chooseSuggestion = (reply: CannedReply) => {
    if (!slash) return
    void insertCanned(reply, { start: slash.start, end: caret })
  }

  const insertArticle = (article: Article) => {
    const at = textarea.current?.selectionStart ?? body.length
    const before = body.slice(0, at)
    const gap = before === '' || before.endsWith('\n') ? '' : '\n'
    replace(at, at, `${gap}${article.body.trim()}\n`)
  }

  const doSend = () => {
    const text = body.trim()
    // Clear at once so the agent can type the next message; put the text back if sending fails.
    setBody('')
    setMissing([])
    setConfirming(false)
    send.mutate(
      { ticketId, body: text, internal },
      { onError: () => setBody((current) => (current.trim() === '' ? text : current)) },
    )
  }

  const submit = (event?: FormEvent) => {
    event?.preventDefault()
    if (!canSend) return
    if (missing.length > 0 && !confirming) {
      // A variable the ticket had no value for: the agent completes the text or sends it knowingly.
      setConfirming(true)
      return
    }
    doSend()
  }

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (open && options.length > 0) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault()
        const step = event.key === 'ArrowDown' ? 1 : -1
        setActive((activeIndex + step + options.length) % options.length)
        return
      }
      if ((event.key === 'Enter' && !event.ctrlKey && !event.metaKey) || event.key === 'Tab') {
        event.preventDefault()
        chooseSuggestion(options[activeIndex])
        return
      }
    }
    if (open && event.key === 'Escape') {
      event.preventDefault()
      setDismissedAt(slash.start)
      return
    }
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) submit()
    if (event.key === 'Escape') event.currentTarget.blur() // back to the single-key shortcuts
  }

  const togglePanel = (which: Exclude<Panel, null>) => setPanel((current) => (current === which ? null : which))

  return (
    <form className={`reply-box ${internal ? 'internal' : ''}`} onSubmit={submit} aria-label={t('reply.label')}>
      {send.error && (
        <Alert onDismiss={() => send.reset()} testId="reply-error">
          {send.error.message}
        </Alert>
      )}
      {insertError && (
        <Alert onDismiss={() => setInsertError(null)} testId="insert-error">
          {insertError}
        </Alert>
      )}
      {missing.length > 0 && (
        <div className={`alert ${confirming ? 'alert-error' : 'alert-info'}`} role={confirming ? 'alert' : 'status'} data-testid="missing-variables">
          <span>
            {t('canned.missing', { variables: missing.join(', ') })} {confirming && t('canned.confirmSend')}
          </span>
          <span className="alert-buttons">
            {confirming && (
              <button type="button" className="button" data-testid="send-anyway" onClick={doSend} disabled={!canSend}>
                {t('canned.sendAnyway')}
              </button>
            )}
            <button type="button" className="button" data-testid="missing-done" onClick={() => { setMissing([]); setConfirming(false) }}>
              {t('canned.filledIn')}
            </button>
          </span>
        </div>
      )}
      <textarea
        ref={textarea}
        aria-label={internal ? t('reply.internalNote') : t('reply.toCustomer')}
        aria-keyshortcuts="R"
        aria-describedby={`${listId}-hint`}
        aria-controls={open ? listId : undefined}
        aria-activedescendant={open && options.length > 0 ? `${listId}-${activeIndex}` : undefined}
        data-testid="reply-box"
        placeholder={internal ? t('reply.notePlaceholder') : t('reply.placeholder')}
        value={body}
        onChange={(e) => {
          setBody(e.target.value)
          setCaret(e.target.selectionStart)
          setActive(0)
        }}
        onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
        onKeyDown={onKeyDown}
        onBlur={() => slash && setDismissedAt(slash.start)}
        onFocus={() => setDismissedAt(null)}
        rows={3}
      />
      <span id={`${listId}-hint`} className="visually-hidden">
        {t('canned.slashHint')}
      </span>
      {open && (
        <CannedSuggestions id={listId} replies={options} active={activeIndex} onChoose={chooseSuggestion} onHover={setActive} />
      )}
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
        <span className="composer-tools">
          <button type="button" className="button" aria-expanded={panel === 'canned'} data-testid="canned-toggle" onClick={() => togglePanel('canned')}>
            {t('canned.title')}
          </button>
          <button type="button" className="button" aria-expanded={panel === 'kb'} data-testid="kb-toggle" onClick={() => togglePanel('kb')}>
            {t('kb.title')}
          </button>
        </span>
        {notesOnly && <span className="muted reply-hint">{notesOnlyReason}</span>}
        <button type="submit" className="button primary" data-testid="send-button" disabled={!canSend}>
          {send.isPending ? t('reply.sending') : internal ? t('reply.addNote') : t('reply.send')}
        </button>
      </div>
      {panel === 'canned' && (
        <CannedPanel
          onChoose={(reply) => {
            const at = textarea.current?.selectionStart ?? body.length
            void insertCanned(reply, { start: at, end: at })
          }}
        />
      )}
      {panel === 'kb' && <KbPanel ticketId={ticketId} onInsert={insertArticle} internalReply={internal} />}
    </form>
  )
})
