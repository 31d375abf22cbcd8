import '../../../styles/workspace.css'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Alert } from '../../../components/ui/alert'
import { Spinner } from '../../../components/ui/spinner'
import {
  SHORTCUT_PATTERN,
  useCannedReplies,
  useDeleteCannedReply,
  useSaveCannedReply,
  type CannedReply,
  type CannedScope,
} from '../api/canned-replies'

type Props = { currentAgentId?: string; roles?: string[] }

/** `tags` and `locale` have no field here yet: an edit keeps the reply's own. */
type Draft = { id?: string; scope: CannedScope; shortcut: string; title: string; body: string; tags: string[]; locale?: string | null }

const EMPTY: Draft = { scope: 'personal', shortcut: '', title: '', body: '', tags: [] }

/** Personal canned replies for everyone; shared ones for supervisors and admins (the API checks it too). */
export function CannedManager({ currentAgentId, roles = [] }: Props) {
  const { t } = useTranslation()
  const canShare = roles.includes('supervisor') || roles.includes('admin')
  const list = useCannedReplies('')
  const save = useSaveCannedReply()
  const remove = useDeleteCannedReply()
  const [draft, setDraft] = useState<Draft | null>(null)
  const [notice, setNotice] = useState<string | null>(null)

  const mayChange = (reply: CannedReply) => (reply.scope === 'shared' ? canShare : reply.owner_id === currentAgentId || !reply.owner_id)
  const shortcutOk = draft ? SHORTCUT_PATTERN.test(draft.shortcut) : false

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!draft || !shortcutOk) return
    const fields = { shortcut: draft.shortcut, title: draft.title.trim(), body: draft.body, tags: draft.tags, ...(draft.locale ? { locale: draft.locale } : {}) }
    save.mutate(draft.id ? { id: draft.id, fields } : { scope: draft.scope, fields }, {
      onSuccess: () => {
        setDraft(null)
        setNotice(t('canned.saved'))
      },
    })
  }

  const edit = (reply: CannedReply) => {
    save.reset()
    setNotice(null)
    setDraft({ id: reply.id, scope: reply.scope, shortcut: reply.shortcut, title: reply.title, body: reply.body, tags: reply.tags, locale: reply.locale })
  }

  const variables = Object.entries(list.data?.variables ?? {})
  return (
    <div className="canned-page" data-testid="canned-manager">
      <h1>{t('canned.managerTitle')}</h1>
      <p className="muted">{t('canned.managerHint', { example: '{{customer.name}}', interpolation: { escapeValue: false } })}</p>
      {notice && <Alert tone="info" onDismiss={() => setNotice(null)}>{notice}</Alert>}
      {remove.error && <Alert onDismiss={() => remove.reset()}>{remove.error.message}</Alert>}
      {draft ? (
        <form className="panel canned-form" onSubmit={submit} aria-labelledby="canned-form-title" data-testid="canned-form">
          <h2 id="canned-form-title">{draft.id ? t('canned.edit') : t('canned.new')}</h2>
          {save.error && <Alert onDismiss={() => save.reset()}>{save.error.message}</Alert>}
          {!draft.id && canShare && (
            <fieldset>
              <legend>{t('canned.scope')}</legend>
              {(['personal', 'shared'] as const).map((scope) => (
                <label key={scope} className="checkbox">
                  <input type="radio" name="scope" value={scope} checked={draft.scope === scope} onChange={() => setDraft({ ...draft, scope })} />
                  {t(`canned.${scope}`)}
                </label>
              ))}
            </fieldset>
          )}
          <label>
            {t('canned.shortcut')}
            <input
              required
              value={draft.shortcut}
              maxLength={32}
              aria-invalid={draft.shortcut !== '' && !shortcutOk}
              aria-describedby="canned-shortcut-hint"
              onChange={(e) => setDraft({ ...draft, shortcut: e.target.value.trim() })}
              data-testid="canned-shortcut"
            />
            <span id="canned-shortcut-hint" className="muted">{t('canned.shortcutHint')}</span>
          </label>
          <label>
            {t('canned.titleField')}
            <input required maxLength={120} value={draft.title} onChange={(e) => setDraft({ ...draft, title: e.target.value })} data-testid="canned-title" />
          </label>
          <label>
            {t('canned.body')}
            <textarea required maxLength={5000} value={draft.body} onChange={(e) => setDraft({ ...draft, body: e.target.value })} data-testid="canned-body" />
          </label>
          {variables.length > 0 && (
            <details>
              <summary>{t('canned.variables')}</summary>
              <dl className="details">
                {variables.map(([name, meaning]) => (
                  <div key={name}>
                    <dt className="mono">{`{{${name}}}`}</dt>
                    <dd>{meaning}</dd>
                  </div>
                ))}
              </dl>
            </details>
          )}
          <div className="form-actions">
            <button type="submit" className="button primary" disabled={!shortcutOk || !draft.title.trim() || !draft.body.trim() || save.isPending} data-testid="canned-save">
              {save.isPending ? t('common.saving') : t('canned.save')}
            </button>
            <button type="button" className="button" onClick={() => setDraft(null)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      ) : (
        <p>
          <button type="button" className="button primary" onClick={() => { save.reset(); setNotice(null); setDraft({ ...EMPTY }) }} data-testid="canned-new">
            {t('canned.new')}
          </button>
        </p>
      )}
      {list.isPending && <Spinner label={t('common.loading')} />}
      {list.isError && <Alert>{list.error.message}</Alert>}
      {list.data && list.data.items.length === 0 && <p className="muted">{t('canned.none')}</p>}
      {list.data && list.data.items.length > 0 && (
        <ul className="composer-list panel" data-testid="canned-list">
          {list.data.items.map((reply) => (
            <li key={reply.id}>
              <div>
                <span className="mono">/{reply.shortcut}</span> <strong>{reply.title}</strong>{' '}
                <span className="badge">{reply.scope === 'shared' ? t('canned.shared') : t('canned.personal')}</span>
                <br />
                <span className="muted">{reply.body}</span>
              </div>
              {mayChange(reply) && (
                <span className="alert-buttons">
                  <button type="button" className="button" aria-label={t('canned.editNamed', { title: reply.title })} onClick={() => edit(reply)}>
                    {t('canned.edit')}
                  </button>
                  <button
                    type="button"
                    className="button"
                    aria-label={t('canned.deleteNamed', { title: reply.title })}
                    disabled={remove.isPending}
                    onClick={() => {
                      if (window.confirm(t('canned.confirmDelete', { title: reply.title }))) remove.mutate(reply.id)
                    }}
                  >
                    {t('canned.delete')}
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
