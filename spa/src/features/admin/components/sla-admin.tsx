import type { FormEvent } from 'react'
import { Alert } from '../../../components/ui/alert'
import { useLabel } from '../../../lib/format'
import { PRIORITIES, TIERS, type Priority, type Tier } from '../../tickets/types'
import { DURATION, RULE_ID, SLUG, usePolicies, useSavePolicy, type SlaPolicy } from '../api'
import { useAdminTranslation } from '../i18n'
import { useEditor } from '../use-editor'
import { AdminForm } from './admin-form'
import { EditButton, NewButton } from './buttons'
import { DurationField, SelectField, TextField } from './fields'
import { AdminTable, ListState } from './list-state'

type Draft = {
  isNew: boolean
  version?: number
  id: string
  name: string
  priority: '' | Priority
  tier: '' | Tier
  organization: string
  first_response: string
  next_response: string
  resolution: string
  calendar: 'business' | 'calendar'
  warn: string
  level2_after: string
  expert_team: string
  reassign_on_breach: boolean
}

const draftOf = (p: SlaPolicy | null): Draft => ({
  isNew: !p,
  version: p?.version,
  id: p?.id ?? '',
  name: p?.name ?? '',
  priority: p?.priority ?? '',
  tier: p?.tier ?? '',
  organization: p?.organization ?? '',
  first_response: p?.first_response ?? 'PT15M',
  next_response: p?.next_response ?? '',
  resolution: p?.resolution ?? 'PT24H',
  calendar: p?.calendar ?? 'calendar',
  warn: String(Math.round((p?.warn_at ?? 0.8) * 100)),
  level2_after: p ? (p.level2_after ?? '') : 'PT30M',
  expert_team: p?.expert_team ?? 'experts',
  reassign_on_breach: p?.reassign_on_breach ?? false,
})

const okDuration = (value: string, required = false) => (value ? DURATION.test(value) : !required)

/** The SLA policies (admins): which tickets each applies to (priority, tier, organization), its targets as
 * ISO-8601 durations, business or calendar time; saving one makes its next version. */
export function SlaAdmin() {
  const { t } = useAdminTranslation()
  const label = useLabel()
  const policies = usePolicies()
  const save = useSavePolicy()
  const { draft, setDraft, notice, setNotice, edit, saved } = useEditor<Draft>(save)

  const warn = draft ? Number(draft.warn) : 0
  const warnOk = draft && /^\d{1,2}$/.test(draft.warn) && warn >= 1 && warn <= 99
  const idError = draft?.isNew && draft.id && !RULE_ID.test(draft.id) ? t('invalidPattern') : null
  const orgError = draft?.organization && !SLUG.test(draft.organization) ? t('invalidPattern') : null
  const valid =
    draft &&
    draft.name.trim() &&
    !idError &&
    !orgError &&
    warnOk &&
    SLUG.test(draft.expert_team) &&
    okDuration(draft.first_response, true) &&
    okDuration(draft.next_response) &&
    okDuration(draft.resolution) &&
    okDuration(draft.level2_after)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!draft || !valid) return
    save.mutate(
      {
        ...(draft.id ? { id: draft.id } : {}),
        name: draft.name.trim(),
        priority: draft.priority || null,
        tier: draft.tier || null,
        organization: draft.organization || null,
        first_response: draft.first_response,
        next_response: draft.next_response || null,
        resolution: draft.resolution || null,
        calendar: draft.calendar,
        warn_at: warn / 100,
        level2_after: draft.level2_after || null,
        expert_team: draft.expert_team,
        reassign_on_breach: draft.reassign_on_breach,
      },
      { onSuccess: (policy) => saved(`${t('saved')} ${policy.name} · ${t('sla.version')} ${policy.version}`) },
    )
  }
  const open = (policy: SlaPolicy | null) => edit(draftOf(policy))
  const appliesTo = (p: SlaPolicy) =>
    [p.priority ? label('priority', p.priority) : null, p.tier ? label('tier', p.tier) : null, p.organization].filter(Boolean).join(' · ') || t('sla.everyone')

  return (
    <section className="admin-section" aria-labelledby="sla-title" data-testid="admin-sla">
      <h2 id="sla-title">{t('sla.title')}</h2>
      <p className="muted">{t('sla.hint')}</p>
      {policies.data && <p className="muted">{t('sla.revision', { revision: policies.data.revision })}</p>}
      {notice && <Alert tone="info" onDismiss={() => setNotice(null)}>{notice}</Alert>}
      {!draft && <NewButton label={t('sla.new')} onClick={() => open(null)} testId="sla-new" />}
      {draft && (
        <AdminForm name="sla" title={draft.isNew ? t('sla.new') : t('sla.editTitle', { name: draft.name, version: draft.version })} onSubmit={submit} onCancel={() => setDraft(null)} save={save} valid={Boolean(valid)}>
          <div className="form-grid">
            <TextField id="sla-name" label={t('sla.name')} value={draft.name} onChange={(name) => setDraft({ ...draft, name })} required maxLength={100} testId="sla-name" />
            {draft.isNew && <TextField id="sla-id" label={`${t('sla.id')} ${t('optional')}`} value={draft.id} onChange={(id) => setDraft({ ...draft, id: id.trim() })} maxLength={48} hint={t('sla.idHint')} error={idError} autoComplete="off" />}
          </div>
          <fieldset>
            <legend>{t('sla.appliesTo')}</legend>
            <div className="form-grid">
              <SelectField id="sla-priority" label={t('sla.priority')} value={draft.priority} onChange={(priority) => setDraft({ ...draft, priority })} empty={t('any')} options={PRIORITIES} optionLabel={(p) => label('priority', p)} />
              <SelectField id="sla-tier" label={t('sla.tier')} value={draft.tier} onChange={(tier) => setDraft({ ...draft, tier })} empty={t('any')} options={TIERS} optionLabel={(x) => label('tier', x)} />
              <TextField id="sla-organization" label={`${t('sla.organization')} ${t('optional')}`} value={draft.organization} onChange={(organization) => setDraft({ ...draft, organization: organization.trim() })} error={orgError} />
            </div>
          </fieldset>
          <fieldset>
            <legend>{t('sla.firstResponse')} · {t('sla.resolution')}</legend>
            <div className="form-grid">
              <DurationField id="sla-first" label={t('sla.firstResponse')} value={draft.first_response} onChange={(first_response) => setDraft({ ...draft, first_response })} required testId="sla-first" />
              <DurationField id="sla-next" label={`${t('sla.nextResponse')} ${t('optional')}`} value={draft.next_response} onChange={(next_response) => setDraft({ ...draft, next_response })} testId="sla-next" />
              <DurationField id="sla-resolution" label={`${t('sla.resolution')} ${t('optional')}`} value={draft.resolution} onChange={(resolution) => setDraft({ ...draft, resolution })} testId="sla-resolution" />
            </div>
            {!draft.first_response && <p className="field-error">{t('sla.firstResponse')}: {t('required')}</p>}
          </fieldset>
          <fieldset className="inline-choices">
            <legend>{t('sla.calendar')}</legend>
            {(['business', 'calendar'] as const).map((kind) => (
              <label key={kind} className="checkbox">
                <input type="radio" name="sla-calendar" value={kind} checked={draft.calendar === kind} onChange={() => setDraft({ ...draft, calendar: kind })} data-testid={`sla-calendar-${kind}`} />
                {kind === 'business' ? t('sla.business') : t('sla.calendarTime')}
              </label>
            ))}
          </fieldset>
          <div className="form-grid">
            <TextField id="sla-warn" label={t('sla.warnAt')} type="number" min={1} max={99} value={draft.warn} onChange={(value) => setDraft({ ...draft, warn: value })} required error={warnOk ? null : t('sla.badWarn')} />
            <DurationField id="sla-level2" label={`${t('sla.level2After')} ${t('optional')}`} value={draft.level2_after} onChange={(level2_after) => setDraft({ ...draft, level2_after })} />
            <TextField id="sla-expert" label={t('sla.expertTeam')} value={draft.expert_team} onChange={(expert_team) => setDraft({ ...draft, expert_team: expert_team.trim() })} required error={SLUG.test(draft.expert_team) ? null : t('invalidPattern')} />
          </div>
          <label className="checkbox">
            <input type="checkbox" checked={draft.reassign_on_breach} onChange={(e) => setDraft({ ...draft, reassign_on_breach: e.target.checked })} />
            {t('sla.reassignOnBreach')}
          </label>
        </AdminForm>
      )}
      <ListState query={policies} items={policies.data?.policies} empty={t('sla.none')}>
        {(items) => (
          <AdminTable testId="sla-list" columns={[t('sla.name'), t('sla.appliesTo'), t('sla.firstResponse'), t('sla.nextResponse'), t('sla.resolution'), t('sla.calendar'), t('sla.version')]}>
            {items.map((policy) => (
              <tr key={policy.id} data-testid={`sla-row-${policy.id}`}>
                <td>
                  <strong>{policy.name}</strong> <span className="mono muted">{policy.id}</span>
                </td>
                <td>{appliesTo(policy)}</td>
                <td className="mono">{policy.first_response}</td>
                <td className="mono">{policy.next_response ?? '—'}</td>
                <td className="mono">{policy.resolution ?? '—'}</td>
                <td>{policy.calendar === 'business' ? t('sla.business') : t('sla.calendarTime')}</td>
                <td>{policy.version}</td>
                <td>
                  <EditButton name={policy.name} onClick={() => open(policy)} testId={`sla-edit-${policy.id}`} />
                </td>
              </tr>
            ))}
          </AdminTable>
        )}
      </ListState>
    </section>
  )
}
