/** Formatting helpers shared by the features (dates, relative times, labels). */

const dateTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
})
const fullDateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? null : date
}

export function formatDateTime(iso: string | null | undefined): string {
  const date = parse(iso)
  return date ? dateTime.format(date) : '—'
}

export function formatFullDateTime(iso: string | null | undefined): string {
  const date = parse(iso)
  return date ? fullDateTime.format(date) : ''
}

function humanDuration(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000)
  if (minutes < 1) return 'less than a minute'
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `${hours} h ${minutes % 60 ? `${minutes % 60} min` : ''}`.trim()
  return `${Math.floor(hours / 24)} d`
}

/** "5 min ago", "just now". */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  const date = parse(iso)
  if (!date) return '—'
  const ms = now - date.getTime()
  if (ms < 45_000) return 'just now'
  return `${humanDuration(ms)} ago`
}

/** "in 12 min" or "overdue 3 min"; `overdue` tells the caller how to colour it. */
export function describeDue(iso: string | null | undefined, now = Date.now()): { text: string; overdue: boolean } | null {
  const date = parse(iso)
  if (!date) return null
  const ms = date.getTime() - now
  return ms >= 0
    ? { text: `in ${humanDuration(ms)}`, overdue: false }
    : { text: `overdue ${humanDuration(ms)}`, overdue: true }
}

/** "in_progress" -> "In progress". */
export function humanize(value: string | null | undefined): string {
  if (!value) return '—'
  const text = value.replace(/_/g, ' ')
  return text.charAt(0).toUpperCase() + text.slice(1)
}
