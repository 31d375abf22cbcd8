import '../../../styles/workspace.css'
import { useId, useRef, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Alert } from '../../../components/ui/alert'
import { useEscalateTicket } from '../api/escalate'

/** Escalate with a reason: level 1 goes to the supervisors, the next to the expert team (the API decides). */
export function EscalateButton({ ticketId, disabled = false }: { ticketId: string; disabled?: boolean }) {
  const { t } = useTranslation()
  const id = useId()
  const [open, setOpen] = useState(false)
  const [reason, setReason] = useState('')
  const [doneLevel, setDoneLevel] = useState<number | null>(null)
  const escalate = useEscalateTicket()
  const button = useRef<HTMLButtonElement>(null)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!reason.trim() || escalate.isPending) return
    escalate.mutate(
      { ticketId, reason: reason.trim() },
      {
        onSuccess: (ticket) => {
          setDoneLevel(ticket.escalation_level ?? null)
          setReason('')
          setOpen(false)
          button.current?.focus()
        },
      },
    )
  }

  return (
    <>
      <button
        ref={button}
        type="button"
        className="button"
        aria-expanded={open}
        aria-controls={id}
        disabled={disabled}
        onClick={() => {
          setOpen(!open)
          setDoneLevel(null)
        }}
        data-testid="escalate-button"
      >
        {t('escalate.button')}
      </button>
      {doneLevel !== null && (
        <span role="status" className="success" data-testid="escalate-done">
          {t('escalate.done', { level: doneLevel })}
        </span>
      )}
      {open && (
        <form id={id} className="escalate-form" onSubmit={submit} aria-label={t('escalate.title')}>
          {escalate.error && <Alert onDismiss={() => escalate.reset()}>{escalate.error.message}</Alert>}
          <label htmlFor={`${id}-reason`}>{t('escalate.reason')}</label>
          <textarea
            id={`${id}-reason`}
            required
            maxLength={1000}
            rows={2}
            autoFocus
            value={reason}
            placeholder={t('escalate.reasonPlaceholder')}
            onChange={(e) => setReason(e.target.value)}
            onKeyDown={(e) => e.key === 'Escape' && (setOpen(false), button.current?.focus())}
            data-testid="escalate-reason"
          />
          <div className="form-actions">
            <button type="submit" className="button primary" disabled={!reason.trim() || escalate.isPending} data-testid="escalate-submit">
              {escalate.isPending ? t('common.saving') : t('escalate.submit')}
            </button>
            <button type="button" className="button" onClick={() => setOpen(false)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
    </>
  )
}
