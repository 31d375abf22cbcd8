const KNOWN: readonly string[] = ['zh-CN', 'en']

/** The article's locale as a `lang` attribute when it names a language the browser knows; an article stored
 *  with any other well-formed tag (the API accepts them) gets none rather than an invalid `lang`. */
export function langOf(locale: string): string | undefined {
  try {
    const primary = new Intl.Locale(locale).language
    const known = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' }).of(primary)
    return known ? locale : undefined
  } catch {
    return KNOWN.includes(locale) ? locale : undefined
  }
}
