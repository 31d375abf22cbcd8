import { useEffect, useRef } from 'react'
import { formatDateTime, formatFullDateTime, humanize } from '../../../lib/format'
import { agentLabel, type Message } from '../types'

const AUTHOR_LABELS: Record<Message['author_type'], string> = {
  customer: 'Customer',
  agent: 'Agent',
  bot: 'Bot',
  system: 'System',
}

function side(message: Message): 'left' | 'right' | 'center' {
  if (message.author_type === 'system') return 'center'
  return message.direction === 'inbound' ? 'left' : 'right'
}

function DeliveryState({ message }: { message: Message }) {
  if (message.direction !== 'outbound' || message.internal || !message.delivery_status) return null
  const status = message.delivery_status
  return (
    <span
      className={`delivery delivery-${status}`}
      data-testid="delivery-status"
      title={message.delivery_error ?? undefined}
    >
      {humanize(status)}
      {status === 'failed' && message.delivery_error ? `: ${message.delivery_error}` : ''}
    </span>
  )
}

type ItemProps = { message: Message; customerName: string; currentAgentId?: string }

function MessageItem({ message, customerName, currentAgentId }: ItemProps) {
  const author =
    message.author_name ||
    (message.author_type === 'customer' ? customerName : null) ||
    (message.author_type === 'agent' && message.author_id ? agentLabel(message.author_id, currentAgentId) : null) ||
    AUTHOR_LABELS[message.author_type]
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
        <span className="message-author" title={message.author_id ?? undefined}>
          {author}
        </span>
        {message.internal && <span className="badge note">Internal note</span>}
        <time dateTime={message.created_at} title={formatFullDateTime(message.created_at)}>
          {formatDateTime(message.created_at)}
        </time>
      </div>
      <div className="message-body" data-testid="message-body">
        {message.body}
      </div>
      {message.attachments && message.attachments.length > 0 && (
        <ul className="attachments">
          {message.attachments.map((attachment, index) => (
            <li key={index}>
              📎 {attachment.name || attachment.content_type || 'attachment'}
            </li>
          ))}
        </ul>
      )}
      <DeliveryState message={message} />
    </li>
  )
}

type Props = { messages: Message[]; customerName: string; currentAgentId?: string }

export function Conversation({ messages, customerName, currentAgentId }: Props) {
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
      aria-label="Conversation"
      data-testid="conversation"
      onScroll={(e) => {
        const el = e.currentTarget
        stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80
      }}
    >
      {messages.length === 0 && <li className="empty">No messages yet.</li>}
      {messages.map((message) => (
        <MessageItem
          key={message.id}
          message={message}
          customerName={customerName}
          currentAgentId={currentAgentId}
        />
      ))}
    </ol>
  )
}
