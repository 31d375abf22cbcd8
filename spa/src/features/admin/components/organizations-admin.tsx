import { useState, type FormEvent } from 'react'
import { Alert } from '../../../components/ui/alert'
import { useLabel } from '../../../lib/format'
import { agentDisplayName, useAgents } from '../../tickets/api/get-agents'
import { TIERS, type Tier } from '../../tickets/types'
import { SLUG, useTeams } from '../api'
import { pagesReach, useOrganizations, useSaveOrganization, type Organization } from '../api/organizations'
import { useAdminTranslation } from '../i18n'
import { useEditor } from '../use-editor'
import { AdminForm } from './admin-form'
import { EditButton, NewButton } from './buttons'
import { SelectField, TextField } from './fields'
import { AdminTable, ListState } from './list-state'

type Draft = { isNew: boolean; id: string; name: string; tier: Tier; team: string; agent: string }

const draftOf = (organization: Organization | null): Draft => ({
  isNew: !organization,
  id: organization?.id ?? '',
  name: organization?.name ?? '',
  tier: organization?.tier ?? 'enterprise',
  team: organization?.team ?? '',
  agent: organization?.agent ?? '',
})

/** The organizations (B2B accounts, admins): each one's tier, dedicated team (one of the configured teams) and
 * dedicated agent (one of the agent directory), a page at a time. Customers are put in one on the customer screen. */
export function OrganizationsAdmin() {
  const { t } = useAdminTranslation()
  const label = useLabel()
  const organizations = useOrganizations()
  const teams = useTeams()
  const agents = useAgents()
  const save = useSaveOrganization()
  const { draft, setDraft, notice, setNotice, edit, saved } = useEditor<Draft>(save)
  // a new id is checked against the whole list: the pages up to it are loaded first (see submit)
  const [checking, setChecking] = useState(false)
  const loaded = organizations.data?.pages.flatMap((page) => page.items)

  const directory = agents.data?.items ?? []
  const agentName = (id: string | null) => {
    if (!id) return '—'
    const found = directory.find((agent) => agent.id === id)
    return found ? agentDisplayName(found) : agents.isPending ? '…' : t('organizations.unknownAgent', { id })
  }
  const teamName = (id: string) => teams.data?.items.find((team) => team.id === id)?.name ?? label('team', id)
  // what the draft holds stays a choice even when the lists no longer have it (a team never configured, an agent gone)
  const teamIds = [...new Set([...(teams.data?.items ?? []).map((team) => team.id), ...(draft?.team ? [draft.team] : [])])]
  const agentIds = [...new Set([...directory.map((agent) => agent.id), ...(draft?.agent ? [draft.agent] : [])])]

  const idError = draft?.isNew && draft.id && !SLUG.test(draft.id) ? t('invalidPattern') : null
  const taken = draft?.isNew && loaded?.some((o) => o.id === draft.id) ? t('organizations.taken', { id: draft.id }) : null
  const valid = draft && SLUG.test(draft.id) && !taken && draft.name.trim() && !checking

  // A PUT of an id that exists replaces that organization: before creating one, load the pages until they reach
  // its id (the list is by id), so one on a page not loaded yet is found (the form then says it is taken), and
  // the new one is in the pages the list shows once saved.
  const loadUpTo = async (id: string) => {
    let state = { data: organizations.data, hasNextPage: organizations.hasNextPage, isError: false }
    while (!pagesReach(state.data, state.hasNextPage, id) && !state.isError) state = await organizations.fetchNextPage()
    return !state.isError && !state.data?.pages.some((page) => page.items.some((o) => o.id === id))
  }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!draft || !valid) return
    const organization = { name: draft.name.trim(), tier: draft.tier, team: draft.team || null, agent: draft.agent || null }
    const store = () =>
      save.mutate({ id: draft.id, organization }, { onSuccess: (stored) => saved(t('organizations.saved', { name: stored.name })) })
    if (!draft.isNew || pagesReach(organizations.data, organizations.hasNextPage, draft.id)) {
      store()
      return
    }
    setChecking(true)
    void loadUpTo(draft.id)
      .then((free) => {
        if (free) store()
      })
      .finally(() => setChecking(false))
  }

  return (
    <section className="admin-section" aria-labelledby="organizations-title" data-testid="admin-organizations">
      <h2 id="organizations-title">{t('organizations.title')}</h2>
      <p className="muted">{t('organizations.hint')}</p>
      {notice && <Alert tone="info" onDismiss={() => setNotice(null)}>{notice}</Alert>}
      {!draft && <NewButton label={t('organizations.new')} onClick={() => edit(draftOf(null))} testId="organization-new" />}
      {draft && (
        <AdminForm
          name="organization"
          title={draft.isNew ? t('organizations.new') : t('organizations.editTitle', { id: draft.id })}
          onSubmit={submit}
          onCancel={() => setDraft(null)}
          save={save}
          valid={Boolean(valid)}
        >
          <div className="form-grid">
            <TextField id="organization-id" label={t('organizations.id')} value={draft.id} onChange={(id) => setDraft({ ...draft, id: id.trim() })} disabled={!draft.isNew} required maxLength={32} error={idError ?? taken} hint={t('organizations.idHint')} testId="organization-id" autoComplete="off" />
            <TextField id="organization-name" label={t('organizations.name')} value={draft.name} onChange={(name) => setDraft({ ...draft, name })} required maxLength={200} testId="organization-name" />
            <SelectField id="organization-tier" label={t('organizations.tier')} value={draft.tier} onChange={(tier) => setDraft({ ...draft, tier })} options={TIERS} optionLabel={(tier) => label('tier', tier)} testId="organization-tier" />
            <SelectField id="organization-team" label={t('organizations.team')} value={draft.team} onChange={(team) => setDraft({ ...draft, team })} options={teamIds} optionLabel={teamName} empty={t('none')} testId="organization-team" />
            <SelectField id="organization-agent" label={t('organizations.agent')} value={draft.agent} onChange={(agent) => setDraft({ ...draft, agent })} options={agentIds} optionLabel={agentName} empty={t('none')} testId="organization-agent" />
          </div>
          {teams.isSuccess && teams.data.items.length === 0 && <p className="muted">{t('organizations.noTeams')}</p>}
          {(teams.isError || agents.isError) && <Alert>{teams.error?.message ?? agents.error?.message}</Alert>}
        </AdminForm>
      )}
      <ListState query={organizations} items={loaded} empty={t('organizations.none')}>
        {(items) => (
          <AdminTable testId="organization-list" columns={[t('organizations.id'), t('organizations.name'), t('organizations.tier'), t('organizations.team'), t('organizations.agent')]}>
            {items.map((organization) => (
              <tr key={organization.id} data-testid={`organization-row-${organization.id}`}>
                <td className="mono">{organization.id}</td>
                <td>{organization.name}</td>
                <td>{label('tier', organization.tier)}</td>
                <td>{organization.team ? teamName(organization.team) : '—'}</td>
                <td>{agentName(organization.agent)}</td>
                <td>
                  <EditButton name={organization.name} onClick={() => edit(draftOf(organization))} testId={`organization-edit-${organization.id}`} />
                </td>
              </tr>
            ))}
          </AdminTable>
        )}
      </ListState>
      {organizations.hasNextPage && (
        <div className="load-more">
          <button type="button" className="button" data-testid="organization-load-more" onClick={() => void organizations.fetchNextPage()} disabled={organizations.isFetchingNextPage}>
            {organizations.isFetchingNextPage ? t('loadingMore') : t('loadMore')}
          </button>
        </div>
      )}
    </section>
  )
}
