import '../../../styles/workspace.css'
import { forwardRef, useId, useImperativeHandle, useRef, useState, type FormEvent, type KeyboardEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Alert } from '../../../components/ui/alert'
import { renderCannedReply, useCannedReplies, type CannedReply } from '../api/canned-replies'
import type { Article } from '../api/knowledge'
import { useSendMessage } from '../api/send-message'
import { MAX_FILES, MAX_UPLOAD_BYTES, signalTyping, uploadAttachment, type Upload } from '../api/thread'
import type { OutboundMedia } from '../types'
import { fileSize } from '../attachments'
import { CannedPanel } from './canned-panel'
import { rankReplies, slashAt } from '../composer'
import { CannedSuggestions } from './canned-suggestions'
import { KbPanel } from './kb-panel'

type Props = {
  ticketId: string
  /** Closed tickets take internal notes only; the customer's next message opens a new ticket. */
  notesOnly?: boolean
  notesOnlyReason?: string
  /** How files reach the customer on this channel ("none": only internal notes may carry them). */
  outboundMedia?: OutboundMedia
}

type PendingFile = { key: string; name: string; size: number; upload?: Upload; error?: string }

type Panel = 'canned' | 'kb' | null

export const ReplyBox = forwardRef<HTMLTextAreaElement, Props>(function ReplyBox(
  { ticketId, notesOnly = false, notesOnlyReason, outboundMedia = 'inline' },
  forwardedRef,
) {
  const { t, i18n } = useTranslation()
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
  const fileInput = useRef<HTMLInputElement>(null)
  const [files, setFiles] = useState<PendingFile[]>([])
  const ready = files.filter((f) => f.upload)
  const uploading = files.some((f) => !f.upload && !f.error)
  const filesBlocked = !internal && outboundMedia === 'none'
  const canSend =
    (body.trim() !== '' || ready.length > 0) && !send.isPending && !uploading && !(filesBlocked && ready.length > 0)

  const addFiles = (chosen: FileList | null) => {
    const list = Array.from(chosen ?? [])
    const room = MAX_FILES - files.length
    const taken = list.slice(0, Math.max(room, 0))
    const entries: PendingFile[] = taken.map((file, i) => ({
      key: `${Date.now()}-${i}-${file.name}`,
      name: file.name,
      size: file.size,
      error:
        file.size > MAX_UPLOAD_BYTES
          ? t('thread.tooBig', { name: file.name, size: fileSize(file.size, i18n.resolvedLanguage ?? 'en') })
          : undefined,
    }))
    if (list.length > taken.length) entries.push({ key: `${Date.now()}-many`, name: '', size: 0, error: t('thread.tooMany') })
    setFiles((current) => [...current, ...entries])
    taken.forEach((file, i) => {
      const entry = entries[i]
      if (entry.error) return
      uploadAttachment(ticketId, file).then(
        (upload) => setFiles((current) => current.map((f) => (f.key === entry.key ? { ...f, upload } : f))),
        (e: unknown) =>
          setFiles((current) =>
            current.map((f) => (f.key === entry.key ? { ...f, error: e instanceof Error ? e.message : String(e) } : f)),
          ),
      )
    })
  }

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
    const sent = files
    const attachments = ready.map((f) => f.upload?.id).filter((id): id is string => Boolean(id))
    // Clear at once so the agent can type the next message; put the text (and files) back if sending fails.
    setBody('')
    setFiles([])
    setMissing([])
    setConfirming(false)
    send.mutate(
      { ticketId, body: text, internal, ...(attachments.length > 0 ? { attachments } : {}) },
      {
        onError: () => {
          setBody((current) => (current.trim() === '' ? text : current))
          setFiles((current) => (current.length === 0 ? sent : current))
        },
      },
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
          if (!internal && e.target.value.trim() !== '') signalTyping(ticketId)
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
      {files.length > 0 && (
        <ul className="composer-files" aria-label={t('thread.attachments')} data-testid="composer-files">
          {files.map((f) => (
            <li key={f.key} data-testid="composer-file" data-state={f.error ? 'error' : f.upload ? 'ready' : 'uploading'}>
              {f.error ? (
                <span role="alert">{f.error}</span>
              ) : f.upload ? (
                <span>
                  {f.name} <span className="muted">· {fileSize(f.size, i18n.resolvedLanguage ?? 'en')}</span>
                </span>
              ) : (
                <span role="status">{t('thread.uploading', { name: f.name })}</span>
              )}
              <button
                type="button"
                aria-label={t('thread.remove', { name: f.name || f.error || '' })}
                onClick={() => setFiles((current) => current.filter((x) => x.key !== f.key))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {filesBlocked ? (
        <p className="muted reply-hint" id={`${listId}-media`} data-testid="media-hint" data-media="none">
          {t('thread.noMediaChannel')}
        </p>
      ) : (
        !internal &&
        outboundMedia === 'link' && (
          <p className="muted reply-hint" id={`${listId}-media`} data-testid="media-hint" data-media="link">
            {t('thread.linkChannel')}
          </p>
        )
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
          <input
            ref={fileInput}
            type="file"
            multiple
            className="attach-input"
            data-testid="attach-input"
            tabIndex={-1}
            aria-hidden="true"
            onChange={(e) => {
              addFiles(e.target.files)
              e.target.value = ''
            }}
          />
          <button
            type="button"
            className="button"
            data-testid="attach-button"
            disabled={filesBlocked}
            title={t('thread.attachHint')}
            aria-describedby={filesBlocked || (!internal && outboundMedia === 'link') ? `${listId}-media` : undefined}
            onClick={() => fileInput.current?.click()}
          >
            {t('thread.attach')}
          </button>
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
