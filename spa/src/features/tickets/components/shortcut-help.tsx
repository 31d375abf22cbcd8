import { useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useShortcuts } from '../../../lib/shortcuts'

const KEYS = [
  ['R', 'shortcuts.reply'],
  ['N', 'shortcuts.next'],
  ['E', 'shortcuts.resolve'],
  ['T', 'shortcuts.transfer'],
  ['J / K', 'shortcuts.move'],
  ['Ctrl+Enter', 'shortcuts.send'],
  ['Esc', 'shortcuts.leaveField'],
  ['?', 'shortcuts.help'],
] as const

/** "?" lists the keyboard shortcuts; Esc or the button closes it and focus goes back where it was. */
export function ShortcutHelp() {
  const { t } = useTranslation()
  const [open, setOpen] = useState(false)
  const closeRef = useRef<HTMLButtonElement>(null)
  const returnTo = useRef<Element | null>(null)
  useShortcuts({
    '?': () => {
      returnTo.current = document.activeElement
      setOpen(true)
    },
  })
  useEffect(() => {
    if (!open) return
    closeRef.current?.focus()
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false)
    }
    window.addEventListener('keydown', onKey)
    return () => {
      window.removeEventListener('keydown', onKey)
      if (returnTo.current instanceof HTMLElement) returnTo.current.focus()
    }
  }, [open])
  if (!open) return null
  return (
    <div className="dialog-backdrop" onClick={() => setOpen(false)}>
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcut-help-title"
        data-testid="shortcut-help"
        onClick={(e) => e.stopPropagation()}
      >
        <h2 id="shortcut-help-title">{t('shortcuts.title')}</h2>
        <dl className="shortcut-list">
          {KEYS.map(([key, text]) => (
            <div key={key}>
              <dt>
                <kbd>{key}</kbd>
              </dt>
              <dd>{t(text)}</dd>
            </div>
          ))}
        </dl>
        <button type="button" className="button" ref={closeRef} onClick={() => setOpen(false)}>
          {t('common.close')}
        </button>
      </div>
    </div>
  )
}
