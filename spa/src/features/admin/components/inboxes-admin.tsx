import type { FormEvent } from 'react'
import { Alert } from '../../../components/ui/alert'
import { useFormatters, useLabel } from '../../../lib/format'
import { CHANNEL_KEYS, CHANNELS, INBOX_ID, useCreateInbox, useInboxes, useUpdateInbox, type Inbox } from '../api'
import { useAdminTranslation } from '../i18n'
import { useEditor } from '../use-editor'
import { AdminForm } from './admin-form'
import { EditButton, NewButton } from './buttons'
import { SelectField, TextField } from './fields'
import { AdminTable, ListState } from './list-state'

type Draft = { existing?: Inbox; id: string; channel: string; name: string; credentials: Record<string, string>; api_base: string; public_url: string }

const fromInbox = (inbox: Inbox): Draft => ({ existing: inbox, id: inbox.id, channel: inbox.channel, name: inbox.name, credentials: {}, api_base: inbox.api_base ?? '', public_url: inbox.public_url ?? '' })

/** The inboxes: everyone here sees the list (with masked credential hints); admins create and change them.
 * A stored secret is never shown back: an edit sends only the credential fields typed in. */
export function InboxesAdmin({ canEdit }: { canEdit: boolean }) {
  const { t } = useAdminTranslation()
  const label = useLabel()
  const format = useFormatters()
  const list = useInboxes()
  const create = useCreateInbox()
  const update = useUpdateInbox()
  const { draft, setDraft, notice, setNotice, edit: open, saved } = useEditor<Draft>(create, update)
  const save = draft?.existing ? update : create

  const keys = draft ? (CHANNEL_KEYS[draft.channel] ?? []) : []
  const idError = draft && !draft.existing && draft.id && !INBOX_ID.test(draft.id) ? t('inboxes.badId') : null
  const missing = draft && !draft.existing && keys.some((key) => !draft.credentials[key]?.trim())
  const valid = draft && (draft.existing || (INBOX_ID.test(draft.id) && !missing))

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!draft || !valid) return
    const credentials = Object.fromEntries(Object.entries(draft.credentials).filter(([key, value]) => keys.includes(key) && value.trim()))
    const done = { onSuccess: () => saved(t('saved')) }
    if (draft.existing) {
      update.mutate(
        {
          id: draft.id,
          changes: {
            name: draft.name,
            ...(Object.keys(credentials).length ? { credentials } : {}),
            api_base: draft.api_base.trim() || null,
            public_url: draft.public_url.trim() || null,
          },
        },
        done,
      )
    } else {
      create.mutate(
        { id: draft.id, channel: draft.channel, name: draft.name, credentials, ...(draft.api_base.trim() ? { api_base: draft.api_base.trim() } : {}), ...(draft.public_url.trim() ? { public_url: draft.public_url.trim() } : {}) },
        done,
      )
    }
  }

  return (
    <section className="admin-section" aria-labelledby="inboxes-title" data-testid="admin-inboxes">
      <h2 id="inboxes-title">{t('inboxes.title')}</h2>
      <p className="muted">{t('inboxes.hint')}</p>
      {!canEdit && <Alert tone="info">{t('readOnly')}</Alert>}
      {notice && <Alert tone="info" onDismiss={() => setNotice(null)}>{notice}</Alert>}
      {canEdit && !draft && <NewButton label={t('inboxes.new')} onClick={() => open({ id: '', channel: 'web', name: '', credentials: {}, api_base: '', public_url: '' })} testId="inbox-new" />}
      {draft && (
        <AdminForm name="inbox" title={draft.existing ? t('inboxes.editTitle', { id: draft.id }) : t('inboxes.new')} onSubmit={submit} onCancel={() => setDraft(null)} save={save} valid={Boolean(valid)}>
          <div className="form-grid">
            <TextField id="inbox-id" label={t('inboxes.id')} value={draft.id} onChange={(id) => setDraft({ ...draft, id: id.trim() })} required maxLength={63} disabled={Boolean(draft.existing)} hint={t('inboxes.idHint')} error={idError} testId="inbox-id" autoComplete="off" />
            <SelectField id="inbox-channel" label={t('inboxes.channel')} value={draft.channel} disabled={Boolean(draft.existing)} onChange={(channel) => setDraft({ ...draft, channel, credentials: {} })} options={CHANNELS} optionLabel={(channel) => label('channel', channel)} testId="inbox-channel" />
            <TextField id="inbox-name" label={t('inboxes.name')} value={draft.name} onChange={(name) => setDraft({ ...draft, name })} maxLength={200} testId="inbox-name" />
          </div>
          <fieldset>
            <legend>{t('inboxes.credentials')}</legend>
            {keys.length === 0 && <p className="muted">{t('inboxes.noCredentials')}</p>}
            <div className="form-grid">
              {keys.map((key) => {
                const hint = draft.existing?.credentials[key]
                return (
                  <TextField
                    key={key}
                    id={`inbox-cred-${key}`}
                    label={<span className="mono">{key}</span>}
                    type="password"
                    autoComplete="new-password"
                    value={draft.credentials[key] ?? ''}
                    onChange={(value) => setDraft({ ...draft, credentials: { ...draft.credentials, [key]: value } })}
                    required={!draft.existing}
                    hint={hint ? t('inboxes.stored', { hint }) : undefined}
                    testId={`inbox-cred-${key}`}
                  />
                )
              })}
            </div>
            {missing && <p className="field-error">{t('inboxes.missingKey')}</p>}
          </fieldset>
          <div className="form-grid">
            <TextField id="inbox-api-base" label={`${t('inboxes.apiBase')} ${t('optional')}`} type="url" value={draft.api_base} onChange={(api_base) => setDraft({ ...draft, api_base })} hint={t('inboxes.apiBaseHint')} />
            <TextField id="inbox-public-url" label={`${t('inboxes.publicUrl')} ${t('optional')}`} type="url" value={draft.public_url} onChange={(public_url) => setDraft({ ...draft, public_url })} hint={t('inboxes.publicUrlHint')} />
          </div>
        </AdminForm>
      )}
      <ListState query={list} items={list.data?.items} empty={t('inboxes.none')}>
        {(items) => (
          <AdminTable testId="inbox-list" columns={[t('inboxes.id'), t('inboxes.channel'), t('inboxes.name'), t('inboxes.storedKeys'), t('inboxes.updated')]} editable={canEdit}>
            {items.map((inbox) => (
              <tr key={inbox.id}>
                <td className="mono">{inbox.id}</td>
                <td>{label('channel', inbox.channel)}</td>
                <td>{inbox.name}</td>
                <td>
                  {Object.entries(inbox.credentials).map(([key, hint]) => (
                    <span key={key} className="badge">
                      {key}: {hint}
                    </span>
                  ))}
                </td>
                <td>{format.dateTime(inbox.updated_at)}</td>
                {canEdit && (
                  <td>
                    <EditButton name={inbox.name || inbox.id} onClick={() => open(fromInbox(inbox))} />
                  </td>
                )}
              </tr>
            ))}
          </AdminTable>
        )}
      </ListState>
    </section>
  )
}
