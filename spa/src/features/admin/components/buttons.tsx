import { useAdminTranslation } from '../i18n'

/** The button that opens a blank form, on a line of its own. */
export function NewButton({ label, onClick, testId }: { label: string; onClick: () => void; testId: string }) {
  return (
    <p>
      <button type="button" className="button primary" onClick={onClick} data-testid={testId}>
        {label}
      </button>
    </p>
  )
}

/** "Edit", announced with the name of what it edits. */
export function EditButton({ name, onClick, testId }: { name: string; onClick: () => void; testId?: string }) {
  const { t } = useAdminTranslation()
  return (
    <button type="button" className="button" aria-label={t('editNamed', { name })} onClick={onClick} data-testid={testId}>
      {t('edit')}
    </button>
  )
}
