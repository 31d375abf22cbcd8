/**
 * The admin API the admin screens call (docs/routing.md, docs/customers.md, docs/knowledge-base.md, the
 * inbox and SLA routes): one module of types, calls and react-query hooks, loaded with the admin screens only.
 */
import { useMutation, useQuery, useQueryClient, type QueryKey } from '@tanstack/react-query'
import { api, apiRequest } from '../../lib/api-client'
import type { Ticket, Tier, Priority } from '../tickets/types'

type List<T> = { items: T[]; next_cursor?: string | null }

// ------------------------------------------------------------------------------------------ patterns (the API's)

export const INBOX_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/
export const SLUG = /^[a-z][a-z0-9_-]{0,31}$/ // teams, organizations
export const RULE_ID = /^[a-z][a-z0-9_-]{0,47}$/
export const SKILL = /^[a-z][a-z0-9_]{0,31}$/ // a skill is a ticket type
export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/
export const DURATION = /^P(\d+D|(\d+D)?T(\d+H(\d+M)?(\d+S)?|\d+M(\d+S)?|\d+S))$/ // PT15M, PT1H30M, P1D, PT20S
export const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/

/** What each channel's credentials hold (the contract's table); the API checks them again. */
export const CHANNEL_KEYS: Record<string, string[]> = {
  web: [],
  form: [],
  wechat: ['token', 'app_id', 'app_secret', 'encoding_aes_key'],
  wecom: ['token', 'encoding_aes_key', 'corp_id', 'agent_id', 'secret'],
  whatsapp: ['verify_token', 'app_secret', 'access_token', 'phone_number_id'],
  messenger: ['verify_token', 'app_secret', 'page_access_token'],
  twilio: ['account_sid', 'auth_token', 'from_number'],
  line: ['channel_secret', 'channel_access_token'],
  telegram: ['secret_token', 'bot_token'],
  weibo: ['app_secret', 'access_token'],
  email: ['address', 'topic_arns'],
}
export const CHANNELS = Object.keys(CHANNEL_KEYS)

function useInvalidating<TIn, TOut>(fn: (input: TIn) => Promise<TOut>, ...keys: QueryKey[]) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: fn,
    onSuccess: () => Promise.all(keys.map((queryKey) => client.invalidateQueries({ queryKey }))),
  })
}

const path = (value: string) => encodeURIComponent(value)

// ------------------------------------------------------------------------------------------ inboxes

export type Inbox = {
  id: string
  channel: string
  name: string
  credentials: Record<string, string> // masked hints, never the values
  api_base: string | null
  public_url: string | null
  created_at: string
  updated_at: string
}
export type InboxInput = { id: string; channel: string; name: string; credentials: Record<string, string>; api_base?: string | null; public_url?: string | null }
export type InboxChanges = { name?: string; credentials?: Record<string, string>; api_base?: string | null; public_url?: string | null }

const inboxesKey = ['admin', 'inboxes'] as const
export const useInboxes = () => useQuery({ queryKey: inboxesKey, queryFn: ({ signal }) => api.get<List<Inbox>>('/admin/inboxes', undefined, signal) })
export const useCreateInbox = () => useInvalidating((body: InboxInput) => api.post<Inbox>('/admin/inboxes', body), inboxesKey)
export const useUpdateInbox = () =>
  useInvalidating(({ id, changes }: { id: string; changes: InboxChanges }) => api.put<Inbox>(`/admin/inboxes/${path(id)}`, changes), inboxesKey)

// ------------------------------------------------------------------------------------------ agents and teams

export type AdminAgent = {
  id: string
  name?: string | null
  email?: string | null
  roles: string[]
  teams: string[]
  skills: Record<string, number>
  capacity: Record<string, number>
  load: Record<string, number>
  presence: string
  configured: boolean
}
export type RoutingProfileInput = { teams: string[]; skills: Record<string, number>; capacity: Record<string, number> }

export type BusinessHours = { timezone: string; days: number[]; opens: string; closes: string; holidays: string[] }
export type Shift = { name: string; opens: string; closes: string }
export type Team = {
  id: string
  name: string
  reassign_after?: string | null
  calendar?: BusinessHours | null
  shifts: Shift[]
  relaxation?: { after_seconds: number; min_proficiency?: number | null }[]
  updated_at?: string | null
}
export type TeamInput = Omit<Team, 'id' | 'updated_at'>

const agentsKey = ['admin', 'agents'] as const
const teamsKey = ['admin', 'teams'] as const
export const useAdminAgents = () => useQuery({ queryKey: agentsKey, queryFn: ({ signal }) => api.get<List<AdminAgent>>('/admin/agents', undefined, signal) })
export const useSaveAgent = () =>
  useInvalidating(({ id, profile }: { id: string; profile: RoutingProfileInput }) => api.put<unknown>(`/admin/agents/${path(id)}`, profile), agentsKey, ['agents'])
export const useTeams = () => useQuery({ queryKey: teamsKey, queryFn: ({ signal }) => api.get<List<Team>>('/admin/teams', undefined, signal) })
export const useSaveTeam = () => useInvalidating(({ id, team }: { id: string; team: TeamInput }) => api.put<Team>(`/admin/teams/${path(id)}`, team), teamsKey)

// ------------------------------------------------------------------------------------------ routing rules

export type Trigger = 'created' | 'customer_message' | 'handoff'
export type RuleConditions = {
  channels?: string[]
  inboxes?: string[]
  keywords?: string[]
  patterns?: string[]
  tiers?: Tier[]
  organizations?: string[]
  tags?: string[]
  business_hours?: 'open' | 'closed' | null
  team_hours?: 'open' | 'closed' | null
  bot_active?: boolean | null
}
export type RuleActions = {
  type?: string | null
  priority?: Priority | null
  priority_steps?: number
  team?: string | null
  add_tags?: string[]
  auto_reply?: string | null
  auto_reply_localized?: Partial<Record<'zh-CN' | 'en', string>>
}
export type RuleSpec = { id: string; name: string; position: number; enabled: boolean; on: Trigger[]; conditions: RuleConditions; actions: RuleActions; stop: boolean }
export type Rule = RuleSpec & { version: number; updated_at?: string | null; updated_by?: string | null }
export type RuleSet = { revision: number; rules: Rule[]; business_hours: BusinessHours }
export type DryRunInput = { text: string; channel?: string; inbox?: string; tier?: Tier; tags?: string[]; trigger?: Trigger; priority?: Priority }
export type DryRun = {
  hits: { rule_id: string; rule_version: number; rule_name: string; changes: Record<string, { from?: unknown; to?: unknown }>; auto_reply?: string | null }[]
  type: string
  priority: Priority
  team: string | null
  tags: string[]
  auto_replies: string[]
}

const rulesKey = ['admin', 'rules'] as const
export const useRules = () => useQuery({ queryKey: rulesKey, queryFn: ({ signal }) => api.get<RuleSet>('/admin/rules', undefined, signal) })
export const useSaveRule = () => useInvalidating((rule: RuleSpec) => api.post<Rule>('/admin/rules', rule), rulesKey)
export const useDryRun = () => useMutation({ mutationFn: (sample: DryRunInput) => api.post<DryRun>('/admin/rules/dry-run', sample) })

// ------------------------------------------------------------------------------------------ SLA policies

export type SlaPolicy = {
  id: string
  name: string
  priority?: Priority | null
  tier?: Tier | null
  organization?: string | null
  first_response: string
  next_response?: string | null
  resolution?: string | null
  calendar: 'business' | 'calendar'
  warn_at: number
  level2_after?: string | null
  expert_team: string
  reassign_on_breach: boolean
  version: number
  updated_at?: string | null
}
export type SlaPolicyInput = Omit<SlaPolicy, 'version' | 'updated_at' | 'id'> & { id?: string }
export type PolicySet = { revision: number; policies: SlaPolicy[] }

const slaKey = ['admin', 'sla'] as const
export const usePolicies = () => useQuery({ queryKey: slaKey, queryFn: ({ signal }) => api.get<PolicySet>('/admin/sla-policies', undefined, signal) })
export const useSavePolicy = () => useInvalidating((policy: SlaPolicyInput) => api.post<SlaPolicy>('/admin/sla-policies', policy), slaKey)

// ------------------------------------------------------------------------------------------ articles

export type ArticleFields = {
  title: string
  body: string
  locale: string
  category?: string | null
  tags: string[]
  questions: string[]
  visibility: 'public' | 'internal'
  status: 'draft' | 'published'
}
export type Article = ArticleFields & { id: string; version: number; created_at: string; updated_at: string; published_at?: string | null }
export type ImportInput = { format: 'markdown' | 'csv'; content: string; locale?: string; dry_run: boolean }
export type ImportResult = { created: Article[]; errors: string[]; dry_run: boolean }

const articlesKey = ['admin', 'articles'] as const
export const useArticles = (status: '' | 'draft' | 'published') =>
  useQuery({ queryKey: [...articlesKey, status], queryFn: ({ signal }) => api.get<List<Article>>('/admin/kb/articles', { status }, signal) })
export const useSaveArticle = () =>
  useInvalidating(
    ({ id, fields }: { id?: string; fields: ArticleFields }) =>
      id ? api.put<Article>(`/admin/kb/articles/${path(id)}`, fields) : api.post<Article>('/admin/kb/articles', fields),
    articlesKey,
  )
export const usePublishArticle = () =>
  useInvalidating(({ id, publish }: { id: string; publish: boolean }) => api.post<Article>(`/admin/kb/articles/${path(id)}/${publish ? 'publish' : 'unpublish'}`, {}), articlesKey)
export const useDeleteArticle = () => useInvalidating((id: string) => apiRequest<unknown>(`/admin/kb/articles/${path(id)}`, { method: 'DELETE' }), articlesKey)
export const useImportArticles = () => useInvalidating((input: ImportInput) => api.post<ImportResult>('/admin/kb/import', input), articlesKey)

// ------------------------------------------------------------------------------------------ customers

export type Customer = {
  id: string
  name: string | null
  email: string | null
  phone: string | null
  locale: string | null
  tier: Tier
  organization?: string | null
  tags: string[]
  identities: { channel: string; external_id: string }[]
  merged_into: string | null
  merge_id: string | null
  merged_from: string[]
  tickets: Ticket[]
  created_at: string
  updated_at: string
}
export type Suggestion = { customer_id: string; key_kind: string; key_value: string; reason: string; created_at: string }
export type Merge = {
  merge_id: string
  source_id: string
  target_id: string
  identities: { channel: string; external_id: string }[]
  reason: string
  actor_id: string
  created_at: string
  undone_at: string | null
}

const customerKey = (id: string) => ['admin', 'customer', id] as const
export const useCustomer = (id: string) =>
  useQuery({ queryKey: customerKey(id), queryFn: ({ signal }) => api.get<Customer>(`/customers/${path(id)}`, undefined, signal), enabled: ULID.test(id) })
export const useSuggestions = (id: string) =>
  useQuery({
    queryKey: [...customerKey(id), 'suggestions'],
    queryFn: ({ signal }) => api.get<List<Suggestion>>(`/customers/${path(id)}/suggestions`, undefined, signal),
    enabled: ULID.test(id),
  })
export const useRecentTickets = () =>
  useQuery({ queryKey: ['admin', 'recent-tickets'], queryFn: ({ signal }) => api.get<List<Ticket>>('/tickets', { limit: 50 }, signal) })
export const useMerge = () => useInvalidating((body: { source_id: string; target_id: string; reason: string }) => api.post<Merge>('/admin/customers/merge', body), ['admin', 'customer'])
export const useUnmerge = () => useInvalidating((mergeId: string) => api.post<Merge>('/admin/customers/unmerge', { merge_id: mergeId }), ['admin', 'customer'])

// ------------------------------------------------------------------------------------------ form helpers

/** "a, b ,c" → ["a", "b", "c"] (empty items dropped). */
export const splitList = (text: string) =>
  text
    .split(/[,，\n]/)
    .map((part) => part.trim())
    .filter(Boolean)
export const joinList = (items: readonly string[] | undefined | null) => (items ?? []).join(', ')
/** The API answers clock times as 08:00:00; the forms show 08:00. */
export const clock = (value: string | undefined | null) => (value ?? '').slice(0, 5)

/** ISO-8601 duration → seconds (P1D, PT1H30M, PT20S); null when it is not one the API takes. */
export function durationSeconds(value: string): number | null {
  if (!DURATION.test(value)) return null
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value)
  if (!match) return null
  const [, d, h, m, s] = match.map((part) => Number(part ?? 0))
  return d * 86400 + h * 3600 + m * 60 + s
}
