/** What the thread needs to know about a file: its base type, whether browsers play it, its size for people. */

/** Voice formats browsers cannot play (WeChat's AMR and SILK): offered as a download, never as a player. */
/** 75 -> "1:15" (a recording's length). */
export function duration(seconds: number | null | undefined): string {
  if (seconds == null || seconds < 0) return ''
  const whole = Math.round(seconds)
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`
}

export const NOT_PLAYABLE = new Set(['audio/amr', 'audio/amr-wb', 'audio/silk', 'audio/x-silk', 'audio/3gpp'])

export function baseType(contentType: string | null | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase()
}

export function fileSize(bytes: number | null | undefined, locale: string): string {
  if (bytes == null) return ''
  const units = ['B', 'KB', 'MB', 'GB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)} ${units[unit]}`
}

