import { SHORTCUT_PATTERN, type CannedReply } from './api/canned-replies'

/** "/" + what follows it, when the caret is right after such a word (at the start or after a space). */
export function slashAt(text: string, caret: number): { start: number; typed: string } | null {
  const match = /(?:^|\s)\/([a-z0-9_-]*)$/.exec(text.slice(0, caret))
  if (!match) return null
  const typed = match[1]
  if (typed !== '' && !SHORTCUT_PATTERN.test(typed)) return null
  return { start: caret - typed.length - 1, typed }
}

/** The replies "/" + shortcut offers: prefix matches of the shortcut first, then whatever else the API matched. */
export function rankReplies(items: CannedReply[], typed: string, max = 8): CannedReply[] {
  const prefix = items.filter((r) => r.shortcut.startsWith(typed))
  const rest = items.filter((r) => !r.shortcut.startsWith(typed))
  return [...prefix, ...rest].slice(0, max)
}
