import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import { useFormatters, useLabel } from '../../../lib/format'
import type { Message } from '../types'
import { EmailBody } from './email-body'
import { MessageAttachments } from './message-attachments'

function side(message: Message): 'left' | 'right' | 'center' {
  if (message.author_type === 'system') return 'center'
  return message.direction === 'inbound' ? 'left' : 'right'
}

function DeliveryState({ message }: { message: Message }) {
  const label = useLabel()
  if (message.direction !== 'outbound' || message.internal || !message.delivery_status) return null
  const status = message.delivery_status
  return (
    <span
      className={`delivery delivery-${status}`}
      data-testid="delivery-status"
      data-delivery={status}
      title={message.delivery_error ?? undefined}
    >
      {label('delivery', status)}
      {status === 'failed' && message.delivery_error ? `: ${message.delivery_error}` : ''}
    </span>
  )
}

type ItemProps = { message: Message; customerName: string; agentName: (id: string) => string }

function MessageItem({ message, customerName, agentName }: ItemProps) {
  const { t } = useTranslation()
  const label = useLabel()
  const format = useFormatters()
  const author =
    message.author_name ||
    (message.author_type === 'customer' ? customerName : null) ||
    (message.author_type === 'agent' && message.author_id ? agentName(message.author_id) : null) ||
    label('author', message.author_type)
  return (
    <li
      className={`message ${side(message)} author-${message.author_type} ${message.internal ? 'internal' : ''}`}
      data-testid="message-item"
      data-message-id={message.id}
      data-author-type={message.author_type}
      data-direction={message.direction}
      data-internal={message.internal ? 'true' : 'false'}
    >
      <div className="message-meta">
        <span className="message-author" data-testid="message-author">
          {author}
        </span>
        {message.internal && <span className="badge note">{t('reply.internalNote')}</span>}
        <time dateTime={message.created_at} title={format.fullDateTime(message.created_at)}>
          {format.dateTime(message.created_at)}
        </time>
      </div>
      {message.html ? (
        <div className="message-body email" data-testid="message-body" data-format="html">
          <EmailBody html={message.html} />
          <details>
            <summary>{t('thread.plainText')}</summary>
            {message.body}
          </details>
        </div>
      ) : message.body && (
        <div className="message-body" data-testid="message-body">
          {message.kind === 'voice' && <span className="badge transcript">{t('thread.transcript')}</span>}
          {message.body}
        </div>
      )}
      {message.attachments && message.attachments.length > 0 && (
        <MessageAttachments attachments={message.attachments} fallbackName={t('conversation.attachment')} />
      )}
      <DeliveryState message={message} />
    </li>
  )
}

type Props = { messages: Message[]; customerName: string; agentName: (id: string) => string }

export function Conversation({ messages, customerName, agentName }: Props) {
  const { t } = useTranslation()
  const listRef = useRef<HTMLOListElement>(null)
  const count = messages.length
  const stickToBottom = useRef(true)

  // Follow new messages, unless the agent has scrolled up to read older ones.
  useEffect(() => {
    const list = listRef.current
    if (list && stickToBottom.current) list.scrollTop = list.scrollHeight
  }, [count])

  return (
    <ol
      className="conversation"
      ref={listRef}
      aria-label={t('conversation.label')}
      aria-live="polite"
      aria-relevant="additions"
      data-testid="conversation"
      tabIndex={0}
      onScroll={(e) => {
        const el = e.currentTarget
        stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80
      }}
    >
      {messages.length === 0 && <li className="empty">{t('conversation.empty')}</li>}
      {messages.map((message) => (
        <MessageItem key={message.id} message={message} customerName={customerName} agentName={agentName} />
      ))}
    </ol>
  )
}
