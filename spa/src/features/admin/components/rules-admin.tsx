import { useState, type FormEvent } from 'react'
import { Alert } from '../../../components/ui/alert'
import { useLabel } from '../../../lib/format'
import { CHANNELS, PRIORITIES, TIERS, type Priority, type Tier } from '../../tickets/types'
import { RULE_ID, SLUG, joinList, splitList, useDryRun, useRules, useSaveRule, type DryRun, type Rule, type RuleSpec, type Trigger } from '../api'
import { useAdminTranslation } from '../i18n'
import { useEditor } from '../use-editor'
import { AdminForm } from './admin-form'
import { EditButton, NewButton } from './buttons'
import { SelectField, TextField } from './fields'
import { AdminTable, ListState } from './list-state'

type Draft = {
  isNew: boolean
  base: Partial<RuleSpec>
  version?: number
  id: string
  name: string
  position: string
  enabled: boolean
  on: Trigger[]
  stop: boolean
  keywords: string
  patterns: string
  channels: string
  tiers: Tier[]
  tags: string
  business_hours: '' | 'open' | 'closed'
  type: string
  priority: '' | Priority
  priority_steps: string
  team: string
  add_tags: string
  auto_reply: string
}

const TRIGGERS: Trigger[] = ['created', 'customer_message', 'handoff']
const TRIGGER_LABEL = { created: 'rules.onCreated', customer_message: 'rules.onMessage', handoff: 'rules.onHandoff' } as const
const NEW_RULE_TRIGGERS: Trigger[] = ['created', 'customer_message'] // the API's default for a rule

function draftOf(rule: Rule | null, nextPosition: number): Draft {
  const c = rule?.conditions ?? {}
  const a = rule?.actions ?? {}
  return {
    isNew: !rule,
    base: rule ?? {},
    version: rule?.version,
    id: rule?.id ?? '',
    name: rule?.name ?? '',
    position: String(rule?.position ?? nextPosition),
    enabled: rule?.enabled ?? true,
    on: rule?.on ?? [...NEW_RULE_TRIGGERS],
    stop: rule?.stop ?? false,
    keywords: joinList(c.keywords),
    patterns: (c.patterns ?? []).join('\n'),
    channels: joinList(c.channels),
    tiers: c.tiers ?? [],
    tags: joinList(c.tags),
    business_hours: c.business_hours ?? '',
    type: a.type ?? '',
    priority: a.priority ?? '',
    priority_steps: String(a.priority_steps ?? 0),
    team: a.team ?? '',
    add_tags: joinList(a.add_tags),
    auto_reply: a.auto_reply ?? '',
  }
}

function specOf(draft: Draft): RuleSpec {
  const base = draft.base
  return {
    id: draft.id,
    name: draft.name.trim(),
    position: Number(draft.position),
    enabled: draft.enabled,
    on: draft.on,
    stop: draft.stop,
    conditions: {
      ...base.conditions, // what this form does not show (inboxes, organizations) stays as it was
      keywords: splitList(draft.keywords),
      patterns: draft.patterns.split('\n').map((p) => p.trim()).filter(Boolean),
      channels: splitList(draft.channels),
      tiers: draft.tiers,
      tags: splitList(draft.tags),
      business_hours: draft.business_hours || null,
    },
    actions: {
      ...base.actions, // what this form does not show (localized auto-replies) stays as it was
      type: draft.type.trim() || null,
      priority: draft.priority || null,
      priority_steps: Number(draft.priority_steps) || 0,
      team: draft.team.trim() || null,
      add_tags: splitList(draft.add_tags),
      auto_reply: draft.auto_reply.trim() || null,
    },
  }
}

/** The routing rules in order, with their versions; editing one saves its next version. The dry run shows which
 * rules a sample ticket would hit and what they would set (admins only, like the API). */
export function RulesAdmin() {
  const { t } = useAdminTranslation()
  const label = useLabel()
  const rules = useRules()
  const save = useSaveRule()
  const { draft, setDraft, notice, setNotice, edit, saved } = useEditor<Draft>(save)
  const [hitIds, setHitIds] = useState<string[]>([])
  const ordered = rules.data?.rules ?? []
  const nextPosition = (ordered.at(-1)?.position ?? 0) + 10

  const steps = draft ? Number(draft.priority_steps) : 0
  const hasAction = draft && (draft.type.trim() || draft.priority || steps || draft.team.trim() || splitList(draft.add_tags).length || draft.auto_reply.trim() || Object.keys(draft.base.actions?.auto_reply_localized ?? {}).length)
  const idError = draft?.isNew && draft.id && !RULE_ID.test(draft.id) ? t('invalidPattern') : null
  const teamError = draft?.team && !SLUG.test(draft.team) ? t('invalidPattern') : null
  const positionOk = draft && /^\d{1,7}$/.test(draft.position)
  const valid = draft && RULE_ID.test(draft.id) && draft.name.trim() && positionOk && draft.on.length > 0 && hasAction && !teamError && Number.isInteger(steps) && Math.abs(steps) <= 3

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!draft || !valid) return
    save.mutate(specOf(draft), { onSuccess: (rule) => saved(`${t('saved')} ${rule.name} · ${t('rules.version')} ${rule.version}`) })
  }
  const open = (rule: Rule | null) => edit(draftOf(rule, nextPosition))
  const summary = (rule: Rule) => {
    const c = rule.conditions
    const when = [
      ...(c.keywords?.length ? [`${t('rules.keywords')}: ${c.keywords.join(', ')}`] : []),
      ...(c.patterns?.length ? [`${t('rules.patterns')}: ${c.patterns.length}`] : []),
      ...(c.channels?.length ? [c.channels.map((x) => label('channel', x)).join(', ')] : []),
      ...(c.tiers?.length ? [c.tiers.map((x) => label('tier', x)).join(', ')] : []),
      ...(c.tags?.length ? [`${t('rules.tags')}: ${c.tags.join(', ')}`] : []),
      ...(c.business_hours ? [`${t('rules.businessHours')}: ${t(`rules.${c.business_hours}`)}`] : []),
    ]
    const a = rule.actions
    const sets = [
      ...(a.type ? [label('ticketType', a.type)] : []),
      ...(a.priority ? [label('priority', a.priority)] : []),
      ...(a.priority_steps ? [`${a.priority_steps > 0 ? '+' : ''}${a.priority_steps}`] : []),
      ...(a.team ? [label('team', a.team)] : []),
      ...(a.add_tags?.length ? [`#${a.add_tags.join(' #')}`] : []),
      ...(a.auto_reply ? [t('rules.autoReply')] : []),
    ]
    return { when: when.join(' · ') || t('rules.everything'), sets: sets.join(' · ') }
  }

  return (
    <div className="admin-stack" data-testid="admin-rules">
      <section className="admin-section" aria-labelledby="rules-title">
        <h2 id="rules-title">{t('rules.title')}</h2>
        <p className="muted">{t('rules.hint')}</p>
        {rules.data && <p className="muted">{t('rules.revision', { revision: rules.data.revision })}</p>}
        {notice && <Alert tone="info" onDismiss={() => setNotice(null)}>{notice}</Alert>}
        {!draft && <NewButton label={t('rules.new')} onClick={() => open(null)} testId="rule-new" />}
        {draft && (
          <AdminForm name="rule" title={draft.isNew ? t('rules.new') : t('rules.editTitle', { id: draft.id, version: draft.version })} onSubmit={submit} onCancel={() => setDraft(null)} save={save} valid={Boolean(valid)}>
            <div className="form-grid">
              <TextField id="rule-id" label={t('rules.id')} value={draft.id} onChange={(id) => setDraft({ ...draft, id: id.trim() })} disabled={!draft.isNew} required maxLength={48} error={idError} hint={t('invalidPattern')} testId="rule-id" autoComplete="off" />
              <TextField id="rule-name" label={t('rules.name')} value={draft.name} onChange={(name) => setDraft({ ...draft, name })} required maxLength={100} testId="rule-name" />
              <TextField id="rule-position" label={t('rules.position')} type="number" min={0} inputMode="numeric" value={draft.position} onChange={(position) => setDraft({ ...draft, position })} required error={draft.position && !positionOk ? t('rules.position') : null} testId="rule-position" />
            </div>
            <div className="inline-choices">
              <label className="checkbox">
                <input type="checkbox" checked={draft.enabled} onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })} data-testid="rule-enabled" />
                {t('rules.enabled')}
              </label>
              <label className="checkbox">
                <input type="checkbox" checked={draft.stop} onChange={(e) => setDraft({ ...draft, stop: e.target.checked })} />
                {t('rules.stop')}
              </label>
            </div>
            <fieldset className="inline-choices" aria-describedby={draft.on.length ? undefined : 'rule-on-error'}>
              <legend>{t('rules.on')}</legend>
              {TRIGGERS.map((trigger) => (
                <label key={trigger} className="checkbox">
                  <input type="checkbox" checked={draft.on.includes(trigger)} onChange={(e) => setDraft({ ...draft, on: e.target.checked ? [...draft.on, trigger] : draft.on.filter((x) => x !== trigger) })} />
                  {t(TRIGGER_LABEL[trigger])}
                </label>
              ))}
              {draft.on.length === 0 && (
                <span id="rule-on-error" className="field-error">
                  {t('rules.onRequired')}
                </span>
              )}
            </fieldset>
            <fieldset>
              <legend>{t('rules.conditions')}</legend>
              <div className="form-grid">
                <TextField id="rule-keywords" label={t('rules.keywords')} value={draft.keywords} onChange={(keywords) => setDraft({ ...draft, keywords })} hint={t('listHint')} testId="rule-keywords" />
                <TextField id="rule-channels" label={t('rules.channels')} value={draft.channels} onChange={(channels) => setDraft({ ...draft, channels })} hint={CHANNELS.join(', ')} />
                <TextField id="rule-tags" label={t('rules.tags')} value={draft.tags} onChange={(tags) => setDraft({ ...draft, tags })} hint={t('listHint')} />
                <div className="field">
                  <label htmlFor="rule-hours">{t('rules.businessHours')}</label>
                  <select id="rule-hours" value={draft.business_hours} onChange={(e) => setDraft({ ...draft, business_hours: e.target.value as Draft['business_hours'] })}>
                    <option value="">{t('any')}</option>
                    <option value="open">{t('rules.open')}</option>
                    <option value="closed">{t('rules.closed')}</option>
                  </select>
                </div>
              </div>
              <div className="field">
                <label htmlFor="rule-patterns">{t('rules.patterns')}</label>
                <textarea id="rule-patterns" className="mono" rows={2} value={draft.patterns} onChange={(e) => setDraft({ ...draft, patterns: e.target.value })} spellCheck={false} />
              </div>
              <fieldset className="inline-choices">
                <legend>{t('rules.tiers')}</legend>
                {TIERS.map((tier) => (
                  <label key={tier} className="checkbox">
                    <input type="checkbox" checked={draft.tiers.includes(tier)} onChange={(e) => setDraft({ ...draft, tiers: e.target.checked ? [...draft.tiers, tier] : draft.tiers.filter((x) => x !== tier) })} />
                    {label('tier', tier)}
                  </label>
                ))}
              </fieldset>
            </fieldset>
            <fieldset aria-describedby={hasAction ? undefined : 'rule-action-error'}>
              <legend>{t('rules.actions')}</legend>
              <div className="form-grid">
                <TextField id="rule-type" label={t('rules.type')} value={draft.type} onChange={(type) => setDraft({ ...draft, type: type.trim() })} placeholder="after_sales" />
                <SelectField id="rule-priority" label={t('rules.priority')} value={draft.priority} onChange={(priority) => setDraft({ ...draft, priority })} empty={t('rules.keep')} options={PRIORITIES} optionLabel={(p) => label('priority', p)} testId="rule-priority" />
                <TextField id="rule-steps" label={t('rules.prioritySteps')} type="number" min={-3} max={3} value={draft.priority_steps} onChange={(priority_steps) => setDraft({ ...draft, priority_steps })} />
                <TextField id="rule-team" label={t('rules.team')} value={draft.team} onChange={(team) => setDraft({ ...draft, team: team.trim() })} error={teamError} testId="rule-team" />
                <TextField id="rule-add-tags" label={t('rules.addTags')} value={draft.add_tags} onChange={(add_tags) => setDraft({ ...draft, add_tags })} hint={t('listHint')} testId="rule-add-tags" />
              </div>
              <div className="field">
                <label htmlFor="rule-auto-reply">{t('rules.autoReply')}</label>
                <textarea id="rule-auto-reply" rows={2} maxLength={2000} value={draft.auto_reply} onChange={(e) => setDraft({ ...draft, auto_reply: e.target.value })} aria-describedby="rule-auto-reply-hint" />
                <span id="rule-auto-reply-hint" className="muted field-hint">
                  {t('rules.autoReplyHint')}
                </span>
              </div>
              {!hasAction && (
                <span id="rule-action-error" className="field-error">
                  {t('rules.needAction')}
                </span>
              )}
            </fieldset>
          </AdminForm>
        )}
        <ListState query={rules} items={rules.data?.rules} empty={t('rules.none')}>
          {(items) => (
            <AdminTable testId="rule-list" columns={[t('rules.position'), t('rules.name'), t('rules.when'), t('rules.sets'), t('rules.version')]}>
              {items.map((rule) => {
                const { when, sets } = summary(rule)
                const hit = hitIds.includes(rule.id)
                return (
                  <tr key={rule.id} className={hit ? 'rule-hit' : undefined} data-testid={`rule-row-${rule.id}`}>
                    <td>{rule.position}</td>
                    <td>
                      <strong>{rule.name}</strong> <span className="mono muted">{rule.id}</span>
                      {!rule.enabled && <span className="badge">{t('rules.disabled')}</span>}
                      {rule.stop && <span className="badge">{t('rules.stop')}</span>}
                      {hit && <span className="badge hit-badge">{t('rules.wouldHit')}</span>}
                    </td>
                    <td className="wrap">{when}</td>
                    <td className="wrap">{sets}</td>
                    <td>{rule.version}</td>
                    <td>
                      <EditButton name={rule.name} onClick={() => open(rule)} testId={`rule-edit-${rule.id}`} />
                    </td>
                  </tr>
                )
              })}
            </AdminTable>
          )}
        </ListState>
      </section>
      <DryRunPanel onResult={(result) => setHitIds(result ? result.hits.map((h) => h.rule_id) : [])} />
    </div>
  )
}

function DryRunPanel({ onResult }: { onResult: (result: DryRun | null) => void }) {
  const { t } = useAdminTranslation()
  const label = useLabel()
  const run = useDryRun()
  const [text, setText] = useState('')
  const [channel, setChannel] = useState('web')
  const [tier, setTier] = useState<Tier>('normal')
  const [trigger, setTrigger] = useState<Trigger>('created')
  const result = run.data

  const submit = (event: FormEvent) => {
    event.preventDefault()
    run.mutate({ text, channel, tier, trigger }, { onSuccess: onResult, onError: () => onResult(null) })
  }
  const show = (value: unknown) => (Array.isArray(value) ? value.join(', ') : value === undefined || value === null ? '—' : String(value))

  return (
    <section className="admin-section panel" aria-labelledby="dry-run-title" data-testid="dry-run">
      <h2 id="dry-run-title">{t('rules.dryRun')}</h2>
      <p className="muted">{t('rules.dryRunHint')}</p>
      <form className="admin-form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="dry-text">{t('rules.sampleText')}</label>
          <textarea id="dry-text" rows={3} maxLength={20000} value={text} onChange={(e) => setText(e.target.value)} data-testid="dry-text" />
        </div>
        <div className="form-grid">
          <SelectField id="dry-channel" label={t('rules.channels')} value={channel} onChange={setChannel} options={CHANNELS} optionLabel={(c) => label('channel', c)} />
          <SelectField id="dry-tier" label={t('rules.tiers')} value={tier} onChange={setTier} options={TIERS} optionLabel={(x) => label('tier', x)} testId="dry-tier" />
          <div className="field">
            <label htmlFor="dry-trigger">{t('rules.trigger')}</label>
            <select id="dry-trigger" value={trigger} onChange={(e) => setTrigger(e.target.value as Trigger)}>
              <option value="created">{t('rules.onCreated')}</option>
              <option value="customer_message">{t('rules.onMessage')}</option>
              <option value="handoff">{t('rules.onHandoff')}</option>
            </select>
          </div>
        </div>
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={run.isPending} data-testid="dry-run-submit">
            {run.isPending ? t('rules.running') : t('rules.run')}
          </button>
        </div>
      </form>
      {run.error && <Alert onDismiss={() => run.reset()}>{run.error.message}</Alert>}
      {result && (
        <div className="dry-result" data-testid="dry-result" aria-live="polite">
          <h3>{t('rules.hits')}</h3>
          {result.hits.length === 0 && <p className="muted">{t('rules.noHits')}</p>}
          <ol>
            {result.hits.map((hit) => (
              <li key={hit.rule_id} data-testid={`dry-hit-${hit.rule_id}`}>
                <strong>{hit.rule_name}</strong> <span className="mono muted">{hit.rule_id} · v{hit.rule_version}</span>
                <ul>
                  {Object.entries(hit.changes).map(([field, change]) => (
                    <li key={field}>{t('rules.change', { field, from: show(change.from), to: show(change.to) })}</li>
                  ))}
                  {Object.keys(hit.changes).length === 0 && <li className="muted">{t('rules.noChange')}</li>}
                </ul>
              </li>
            ))}
          </ol>
          <h3>{t('rules.result')}</h3>
          <dl className="details">
            <div>
              <dt>{t('rules.type')}</dt>
              <dd data-testid="dry-type">{label('ticketType', result.type)}</dd>
            </div>
            <div>
              <dt>{t('rules.priority')}</dt>
              <dd data-testid="dry-priority">{label('priority', result.priority)}</dd>
            </div>
            <div>
              <dt>{t('rules.team')}</dt>
              <dd data-testid="dry-team">{result.team ? label('team', result.team) : '—'}</dd>
            </div>
            <div>
              <dt>{t('rules.addTags')}</dt>
              <dd>{result.tags.join(', ') || '—'}</dd>
            </div>
          </dl>
          {result.auto_replies.length > 0 && (
            <>
              <h3>{t('rules.autoReplies')}</h3>
              {result.auto_replies.map((reply, i) => (
                <blockquote key={i}>{reply}</blockquote>
              ))}
            </>
          )}
        </div>
      )}
    </section>
  )
}
