import '../../../styles/workspace.css'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Alert } from '../../../components/ui/alert'
import { useFormatters } from '../../../lib/format'
import { useAddCustomerNote, useCustomerNotes, useDeleteCustomerNote, type CustomerNote } from '../api/customer-notes'

type Props = {
  customerId: string
  currentAgentId?: string
  /** Supervisors and admins may delete anyone's note (the API audits it); agents their own. */
  canDeleteAny?: boolean
  agentName: (id: string) => string
  /** The directory's agents: an author it does not know yet (new, or gone) reads as the note's email. */
  knownAgentIds?: string[]
}

/** Notes agents keep on the customer, newest as the API orders them; never shown to the customer. */
export function CustomerNotes({ customerId, currentAgentId, canDeleteAny = false, agentName, knownAgentIds = [] }: Props) {
  const { t } = useTranslation()
  const format = useFormatters()
  const notes = useCustomerNotes(customerId)
  const add = useAddCustomerNote(customerId)
  const remove = useDeleteCustomerNote(customerId)
  const [body, setBody] = useState('')

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const text = body.trim()
    if (!text || add.isPending) return
    add.mutate(text, { onSuccess: () => setBody('') })
  }
  const author = (note: CustomerNote) =>
    knownAgentIds.includes(note.author_id) || !note.author_email ? agentName(note.author_id) : note.author_email
  const items = notes.data?.items ?? []

  return (
    <section className="panel" aria-labelledby="customer-notes-title" data-testid="customer-notes">
      <h2 id="customer-notes-title">{t('notes.title')}</h2>
      <p className="muted">{t('notes.hint')}</p>
      {notes.isError && <Alert>{notes.error.message}</Alert>}
      {remove.error && <Alert onDismiss={() => remove.reset()}>{remove.error.message}</Alert>}
      {notes.data && items.length === 0 && <p className="muted" data-testid="notes-empty">{t('notes.none')}</p>}
      {items.length > 0 && (
        <ul className="notes-list">
          {items.map((note) => (
            <li key={note.id} data-testid="customer-note">
              <p className="note-body">{note.body}</p>
              <div className="note-meta muted">
                <span title={format.fullDateTime(note.created_at)}>
                  {t('notes.by', { author: author(note), when: format.ago(note.created_at) })}
                </span>
                {(canDeleteAny || note.author_id === currentAgentId) && (
                  <button
                    type="button"
                    className="link-button"
                    aria-label={t('notes.deleteLabel', { author: author(note) })}
                    disabled={remove.isPending}
                    onClick={() => {
                      if (window.confirm(t('notes.confirmDelete'))) remove.mutate(note.id)
                    }}
                    data-testid="delete-note"
                  >
                    {t('notes.delete')}
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      <form className="note-form" onSubmit={submit}>
        {add.error && <Alert onDismiss={() => add.reset()}>{add.error.message}</Alert>}
        <label htmlFor="customer-note-input" className="visually-hidden">
          {t('notes.label')}
        </label>
        <textarea
          id="customer-note-input"
          rows={2}
          maxLength={5000}
          value={body}
          placeholder={t('notes.placeholder')}
          onChange={(e) => setBody(e.target.value)}
          data-testid="note-input"
        />
        <button type="submit" className="button" disabled={!body.trim() || add.isPending} data-testid="note-submit">
          {add.isPending ? t('common.saving') : t('notes.add')}
        </button>
      </form>
    </section>
  )
}
