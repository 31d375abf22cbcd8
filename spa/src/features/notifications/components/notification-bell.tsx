import '../../../styles/workspace.css'
import { useEffect, useId, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import { Alert } from '../../../components/ui/alert'
import { useFormatters } from '../../../lib/format'
import { seenStore, unseenCount, useNotifications, type Notification } from '../api/get-notifications'

const KINDS = ['sla_warning', 'escalated'] as const
const TARGETS = ['first_response', 'next_response', 'resolution'] as const
const oneOf = <T extends string>(values: readonly T[], value: string | null | undefined): value is T =>
  typeof value === 'string' && (values as readonly string[]).includes(value)

/** The bell in the header: SLA warnings and escalations, new ones counted until the list is opened. */
export function NotificationBell() {
  const { t } = useTranslation()
  const format = useFormatters()
  const id = useId()
  const query = useNotifications()
  const [open, setOpen] = useState(false)
  const [seen, setSeen] = useState(seenStore.get)
  const wrap = useRef<HTMLDivElement>(null)
  const button = useRef<HTMLButtonElement>(null)
  const items = query.data?.items ?? []
  const unseen = unseenCount(items, seen)

  const toggle = () => {
    if (!open && items.length > 0) {
      const newest = items.reduce((max, n) => (n.created_at > max ? n.created_at : max), seen)
      seenStore.set(newest)
      setSeen(newest)
    }
    setOpen(!open)
  }

  useEffect(() => {
    if (!open) return
    const close = (event: MouseEvent | KeyboardEvent) => {
      if (event instanceof KeyboardEvent) {
        if (event.key !== 'Escape') return
        setOpen(false)
        button.current?.focus()
      } else if (!wrap.current?.contains(event.target as Node)) setOpen(false)
    }
    document.addEventListener('mousedown', close)
    document.addEventListener('keydown', close)
    return () => {
      document.removeEventListener('mousedown', close)
      document.removeEventListener('keydown', close)
    }
  }, [open])

  const describe = (n: Notification) => {
    const parts = [t(`notifications.kinds.${oneOf(KINDS, n.kind) ? n.kind : 'other'}`)]
    if (n.level > 0) parts.push(t('notifications.level', { level: n.level }))
    if (n.target) parts.push(t('notifications.target', { target: oneOf(TARGETS, n.target) ? t(`notifications.targets.${n.target}`) : n.target }))
    return parts.join(' · ')
  }

  return (
    <div className="bell" ref={wrap}>
      <button
        ref={button}
        type="button"
        className="button"
        aria-expanded={open}
        aria-controls={id}
        onClick={toggle}
        data-testid="notification-bell"
      >
        <svg aria-hidden="true" width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
          <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
          <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
        </svg>
        {/* the name is the button's own text, the visible count in it (WCAG 2.5.3): "Notifications 2" */}
        <span className="visually-hidden">{t('notifications.label')} </span>
        {unseen > 0 && (
          <span className="bell-count" data-testid="notification-count">
            {unseen}
          </span>
        )}
      </button>
      {open && (
        <div id={id} className="bell-panel" role="region" aria-label={t('notifications.title')} data-testid="notification-panel">
          <h2>{t('notifications.title')}</h2>
          {query.isError && <Alert>{query.error.message}</Alert>}
          {items.length === 0 ? (
            <p className="muted">{t('notifications.none')}</p>
          ) : (
            <ul>
              {items.map((n) => (
                <li key={n.id} data-testid="notification-item" data-kind={n.kind}>
                  <Link to={`/tickets/${encodeURIComponent(n.ticket_id)}`} onClick={() => setOpen(false)}>
                    {n.subject || `#${n.ticket_id}`}
                  </Link>
                  <div className="muted">
                    {describe(n)}
                    {n.due_at && ` · ${format.due(n.due_at)?.text ?? ''}`}
                  </div>
                  {n.reason && n.kind === 'escalated' && <div className="note-body">{n.reason}</div>}
                  <div className="muted" title={format.fullDateTime(n.created_at)}>
                    {format.ago(n.created_at)}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  )
}
