import '../../../styles/workspace.css'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Alert } from '../../../components/ui/alert'
import { NO_FILTERS, type TicketFilters } from '../api/get-tickets'
import {
  fromViewFilters,
  sameFilters,
  toViewFilters,
  useDeleteView,
  usePutView,
  useSavedViews,
  viewIdFor,
} from '../api/saved-views'

type Props = { value: TicketFilters; onChange: (next: TicketFilters) => void }

/** The agent's saved views above the filters: one click applies a view; the current filters save as one. */
export function SavedViews({ value, onChange }: Props) {
  const { t } = useTranslation()
  const views = useSavedViews()
  const put = usePutView()
  const remove = useDeleteView()
  const [naming, setNaming] = useState(false)
  const [name, setName] = useState('')
  const [notice, setNotice] = useState<string | null>(null)
  const items = views.data?.items ?? []
  const current = items.find((view) => sameFilters(fromViewFilters(view.filters), value))
  const noFilters = sameFilters(value, NO_FILTERS)

  const save = (event: FormEvent) => {
    event.preventDefault()
    const label = name.trim()
    if (!label || put.isPending) return
    const existing = items.find((view) => view.name === label)
    const id = existing?.id ?? viewIdFor(label, items.map((view) => view.id))
    const position = existing?.position ?? Math.min(items.reduce((max, view) => Math.max(max, view.position), -1) + 1, 1000)
    put.mutate(
      { id, name: label, filters: toViewFilters(value), position },
      {
        onSuccess: () => {
          setNaming(false)
          setName('')
          setNotice(t('views.saved', { name: label }))
        },
      },
    )
  }

  return (
    <div className="views-bar" data-testid="saved-views">
      <div className="tabs" role="group" aria-label={t('views.label')}>
        <button type="button" className={`tab ${noFilters ? 'active' : ''}`} aria-pressed={noFilters} onClick={() => onChange(NO_FILTERS)} data-testid="view-all">
          {t('views.all')}
        </button>
        {items.map((view) => (
          <button
            key={view.id}
            type="button"
            className={`tab ${current?.id === view.id ? 'active' : ''}`}
            aria-pressed={current?.id === view.id}
            onClick={() => onChange(fromViewFilters(view.filters))}
            data-testid="view-tab"
            data-view-id={view.id}
          >
            {view.name}
          </button>
        ))}
      </div>
      {current && (
        <button
          type="button"
          className="link-button"
          aria-label={t('views.deleteNamed', { name: current.name })}
          disabled={remove.isPending}
          onClick={() => {
            if (window.confirm(t('views.confirmDelete', { name: current.name }))) remove.mutate(current.id)
          }}
          data-testid="view-delete"
        >
          {t('views.delete')}
        </button>
      )}
      {naming ? (
        <form onSubmit={save} aria-label={t('views.saveTitle')}>
          <label htmlFor="view-name" className="visually-hidden">
            {t('views.name')}
          </label>
          <input
            id="view-name"
            autoFocus
            maxLength={80}
            value={name}
            placeholder={t('views.name')}
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => e.key === 'Escape' && setNaming(false)}
            data-testid="view-name"
          />
          <button type="submit" className="button primary" disabled={!name.trim() || put.isPending} data-testid="view-save-submit">
            {put.isPending ? t('common.saving') : t('views.save')}
          </button>
          <button type="button" className="button" onClick={() => setNaming(false)}>
            {t('common.cancel')}
          </button>
        </form>
      ) : (
        !noFilters &&
        !current && (
          <button type="button" className="button" title={t('views.saveTitle')} onClick={() => { setNotice(null); setNaming(true) }} data-testid="view-save">
            {t('views.save')}
          </button>
        )
      )}
      {notice && <span role="status" className="muted">{notice}</span>}
      {views.isError && <Alert>{views.error.message}</Alert>}
      {put.error && <Alert onDismiss={() => put.reset()}>{put.error.message}</Alert>}
      {remove.error && <Alert onDismiss={() => remove.reset()}>{remove.error.message}</Alert>}
    </div>
  )
}
