import { useTranslation } from 'react-i18next'

/** What the frame may load: nothing (remote images stay blocked even if one slipped through), inline styles only. */
const POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

/**
 * An email's HTML body, as the API sends it: already sanitized on the server (scripts, handlers, styles, forms and
 * remote images removed). It is still never put into the app's own DOM: it renders in a sandboxed frame (no
 * scripts, no same-origin access) whose content security policy loads nothing from the network; links open in a
 * new tab.
 */
export function EmailBody({ html }: { html: string }) {
  const { t } = useTranslation()
  const document = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${POLICY}"><base target="_blank"><style>body{font:14px/1.5 system-ui,sans-serif;margin:8px;color:#1f2328;word-wrap:break-word}img{max-width:100%}</style></head><body>${html}</body></html>`
  return (
    <iframe
      className="email-body"
      title={t('thread.emailBody')}
      sandbox="allow-popups allow-popups-to-escape-sandbox"
      srcDoc={document}
      referrerPolicy="no-referrer"
      data-testid="email-body"
    />
  )
}
