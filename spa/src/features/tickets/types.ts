/** Ticket shapes as the Agent API returns them (docs/contract.md, "Agent API"). Optional fields may be absent. */

export const TICKET_STATUSES = ['pending', 'in_progress', 'resolved', 'closed'] as const
export type TicketStatus = (typeof TICKET_STATUSES)[number]

export const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const
export type Priority = (typeof PRIORITIES)[number]

export const TICKET_TYPES = ['consultation', 'after_sales', 'complaint'] as const

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
}

export type Attachment = {
  content_type?: string | null
  name?: string | null
  size?: number | null
  url?: string | null
}

export type Message = {
  id: string
  direction: 'inbound' | 'outbound'
  author_type: 'customer' | 'agent' | 'bot' | 'system'
  author_id?: string | null
  author_name?: string | null
  body: string
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

export type TicketDetail = Ticket & {
  messages: Message[]
  customer?: CustomerSummary | null
  events?: TicketEvent[]
}

export type Page<T> = { items: T[]; next_cursor: string | null }

/** Ids are long ULIDs/UUIDs: show their tail, which is enough to tell people apart on one screen. */
export function shortId(id: string): string {
  return id.length > 10 ? `…${id.slice(-6)}` : id
}

export function customerLabel(ticket: Ticket): string {
  return ticket.customer?.name || ticket.customer_name || `Customer ${shortId(ticket.customer_id)}`
}

/** The API knows agents by id only; the signed-in agent is "You". */
export function agentLabel(agentId: string, currentAgentId?: string): string {
  return agentId === currentAgentId ? 'You' : `Agent ${shortId(agentId)}`
}
