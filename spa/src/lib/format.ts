/**
 * Dates, times, durations and labels in the agent's language and time zone (Intl), never in the machine's.
 * `makeFormatters` is plain (tests call it); components use `useFormatters` and `useLabel`.
 */
import { useMemo } from 'react'
import { useTranslation } from 'react-i18next'
import { en } from '../locales/en'
import { useTimeZone } from './preferences'

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? null : date
}

/** "in_progress" -> "In progress": for values the app has no translation for (a custom ticket type). */
export function humanize(value: string | null | undefined): string {
  if (!value) return '—'
  const text = value.replace(/_/g, ' ')
  return text.charAt(0).toUpperCase() + text.slice(1)
}

type Words = { lessThanMinute: string; justNow: string; dueIn: (d: string) => string; overdue: (d: string) => string }

export type Formatters = {
  locale: string
  timeZone: string
  dateTime: (iso: string | null | undefined) => string
  fullDateTime: (iso: string | null | undefined) => string
  ago: (iso: string | null | undefined, now?: number) => string
  duration: (ms: number) => string
  /** `ms`: how long until the deadline (negative once past). */
  due: (iso: string | null | undefined, now?: number) => { text: string; overdue: boolean; ms: number } | null
}

export function makeFormatters(locale: string, timeZone: string, words: Words): Formatters {
  const dateTime = new Intl.DateTimeFormat(locale, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
  })
  const fullDateTime = new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'long',
    timeZone,
  })
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
  const unit = (name: 'minute' | 'hour' | 'day') =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'short' })
  const minutes = unit('minute')
  const hours = unit('hour')
  const days = unit('day')
  const joiner = locale.startsWith('zh') ? '' : ' '

  const duration = (ms: number): string => {
    const total = Math.round(Math.abs(ms) / 60_000)
    if (total < 1) return words.lessThanMinute
    if (total < 60) return minutes.format(total)
    const h = Math.floor(total / 60)
    if (h < 48) return total % 60 ? [hours.format(h), minutes.format(total % 60)].join(joiner) : hours.format(h)
    return days.format(Math.floor(h / 24))
  }

  return {
    locale,
    timeZone,
    dateTime: (iso) => {
      const date = parse(iso)
      return date ? dateTime.format(date) : '—'
    },
    fullDateTime: (iso) => {
      const date = parse(iso)
      return date ? fullDateTime.format(date) : ''
    },
    ago: (iso, now = Date.now()) => {
      const date = parse(iso)
      if (!date) return '—'
      const seconds = (now - date.getTime()) / 1000
      if (seconds < 45) return words.justNow
      if (seconds < 3600) return relative.format(-Math.round(seconds / 60), 'minute')
      if (seconds < 48 * 3600) return relative.format(-Math.round(seconds / 3600), 'hour')
      return relative.format(-Math.round(seconds / 86400), 'day')
    },
    duration,
    due: (iso, now = Date.now()) => {
      const date = parse(iso)
      if (!date) return null
      const ms = date.getTime() - now
      return ms >= 0
        ? { text: words.dueIn(duration(ms)), overdue: false, ms }
        : { text: words.overdue(duration(ms)), overdue: true, ms }
    },
  }
}

export function useFormatters(): Formatters {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const locale = i18n.resolvedLanguage ?? i18n.language ?? 'en'
  return useMemo(
    () =>
      makeFormatters(locale, timeZone, {
        lessThanMinute: t('time.lessThanMinute'),
        justNow: t('time.justNow'),
        dueIn: (d) => t('sla.dueIn', { duration: d }),
        overdue: (d) => t('sla.overdueBy', { duration: d }),
      }),
    [locale, timeZone, t],
  )
}

export type LabelGroup = 'status' | 'priority' | 'ticketType' | 'channel' | 'presence' | 'role' | 'team' | 'tier' | 'delivery' | 'author' | 'event'

/** A translated label for a value the API sends (a status, a channel, a team slug…), or the value made readable. */
export function useLabel(): (group: LabelGroup, value: string | null | undefined) => string {
  const { t } = useTranslation()
  return useMemo(() => {
    const translate = t as unknown as (key: string) => string
    return (group, value) => {
      if (!value) return '—'
      const table = en[group] as Record<string, string>
      return Object.hasOwn(table, value) ? translate(`${group}.${value}`) : humanize(value)
    }
  }, [t])
}
