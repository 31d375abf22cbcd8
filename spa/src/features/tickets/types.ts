/** Ticket shapes as the Agent API returns them (docs/contract.md, "Agent API"). Optional fields may be absent. */

export const TICKET_STATUSES = ['pending', 'in_progress', 'resolved', 'closed'] as const
export type TicketStatus = (typeof TICKET_STATUSES)[number]

export const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const
export type Priority = (typeof PRIORITIES)[number]

export const TICKET_TYPES = ['consultation', 'after_sales', 'complaint'] as const

export const TIERS = ['normal', 'vip', 'enterprise'] as const
export type Tier = (typeof TIERS)[number]

/** The channels an inbox can be (docs/contract.md, inboxes); the filter offers these. */
export const CHANNELS = ['web', 'form', 'email', 'wechat', 'wecom', 'whatsapp', 'messenger', 'twilio', 'line', 'telegram', 'weibo'] as const

export type Sla = {
  first_response_due_at?: string | null
  resolution_due_at?: string | null
  breached?: boolean
}

export type Identity = { channel: string; external_id: string }

export type CustomerSummary = {
  id: string
  name?: string | null
  tier?: string | null
  email?: string | null
  phone?: string | null
  locale?: string | null
  tags?: string[]
  identities?: Identity[]
}

export type Ticket = {
  id: string
  status: TicketStatus
  priority: Priority
  type: string
  channel: string
  inbox: string
  customer_id: string
  subject?: string | null
  last_message_preview?: string | null
  last_message_at?: string | null
  first_response_at?: string | null
  assignee: string | null
  team?: string | null
  tags: string[]
  sla?: Sla | null
  escalation_level?: number
  created_at: string
  updated_at: string
  /** Some list answers embed a customer summary or name; the single-ticket view always has `customer`. */
  customer?: CustomerSummary | null
  customer_name?: string | null
  customer_tier?: string | null
  /** For the caller: a customer message newer than how far they have read (PUT /tickets/{id}/read). */
  unread?: boolean | null
  last_customer_message_at?: string | null
}

export type Attachment = {
  content_type?: string | null
  name?: string | null
  size?: number | null
  url?: string | null
  /** Voice and recordings, when the channel says (Telegram, Twilio). */
  duration_seconds?: number | null
}

export type Message = {
  id: string
  direction: 'inbound' | 'outbound'
  author_type: 'customer' | 'agent' | 'bot' | 'system'
  author_id?: string | null
  author_name?: string | null
  body: string
  /** An email's HTML body, sanitized by the API (scripts, handlers and remote images removed). */
  html?: string | null
  internal: boolean
  kind?: string
  attachments?: Attachment[]
  delivery_status?: string | null
  delivery_error?: string | null
  created_at: string
}

export type TicketEvent = {
  id: string
  type: string
  actor_type?: string
  actor_id?: string | null
  data?: Record<string, unknown>
  created_at: string
}

/** How a reply's files reach the customer on this ticket's channel (the API refuses them on "none"). */
export type OutboundMedia = 'inline' | 'link' | 'none'

export type TicketDetail = Ticket & {
  outbound_media?: OutboundMedia
  messages: Message[]
  customer?: CustomerSummary | null
  events?: TicketEvent[]
}

export type Page<T> = { items: T[]; next_cursor: string | null }

/** Ids are long ULIDs/UUIDs: where one must be shown (a customer without a name), its tail is enough. */
export function shortId(id: string): string {
  return id.length > 10 ? `…${id.slice(-6)}` : id
}
