import type { FormEvent, ReactNode } from 'react'
import { Alert } from '../../../components/ui/alert'
import { useAdminTranslation } from '../i18n'

/** What the form needs of the mutation that saves it. */
type Saving = { error: { message: string } | null; isPending: boolean; reset: () => void }

type AdminFormProps = {
  /** Names the form's parts: `${name}-form`, `${name}-form-title`, `${name}-save`. */
  name: string
  title: ReactNode
  onSubmit: (event: FormEvent) => void
  onCancel: () => void
  save: Saving
  valid: boolean
  children: ReactNode
}

/** An admin screen's edit form: its title, the save error (dismissable), the fields, then save and cancel;
 * save stays off while the draft is invalid or a save is under way. */
export function AdminForm({ name, title, onSubmit, onCancel, save, valid, children }: AdminFormProps) {
  return (
    <form className="panel admin-form" onSubmit={onSubmit} aria-labelledby={`${name}-form-title`} data-testid={`${name}-form`} noValidate>
      <h3 id={`${name}-form-title`}>{title}</h3>
      {save.error && <Alert onDismiss={() => save.reset()}>{save.error.message}</Alert>}
      {children}
      <FormActions saveTestId={`${name}-save`} disabled={!valid || save.isPending} onCancel={onCancel} />
    </form>
  )
}

/** Save (the form's submit button) and cancel. */
export function FormActions({ saveTestId, disabled, onCancel }: { saveTestId: string; disabled: boolean; onCancel: () => void }) {
  const { t } = useAdminTranslation()
  return (
    <div className="form-actions">
      <button type="submit" className="button primary" disabled={disabled} data-testid={saveTestId}>
        {t('save')}
      </button>
      <button type="button" className="button" onClick={onCancel}>
        {t('cancel')}
      </button>
    </div>
  )
}
