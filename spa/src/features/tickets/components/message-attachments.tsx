import '../../../styles/thread.css'
import { useTranslation } from 'react-i18next'
import { baseType, duration, fileSize, NOT_PLAYABLE } from '../attachments'
import type { Attachment } from '../types'

type Props = { attachments: Attachment[]; fallbackName: string }

/**
 * A message's files as the agent needs them: images as thumbnails that open full size, audio and video with the
 * browser's player (a download for voice formats no browser plays), anything else as name, size and download.
 * Every link is the API's short-lived presigned URL; a file not fetched from the provider yet has none.
 */
export function MessageAttachments({ attachments, fallbackName }: Props) {
  const { t, i18n } = useTranslation()
  const locale = i18n.resolvedLanguage ?? 'en'
  return (
    <ul className="attachments" aria-label={t('conversation.attachments')} data-testid="attachments">
      {attachments.map((attachment, index) => {
        const name = attachment.name || fallbackName
        const type = baseType(attachment.content_type)
        const size = fileSize(attachment.size, locale)
        const length = duration(attachment.duration_seconds)
        const url = attachment.url
        const download = url ? (
          <a href={url} download={name} className="attachment-download" data-testid="attachment-download" aria-label={t('thread.download', { name })}>
            <span aria-hidden="true">⬇ </span>
            {name}
          </a>
        ) : (
          <span className="muted" data-testid="attachment-pending">
            {t('thread.pending', { name })}
          </span>
        )
        let preview = null
        if (url && type.startsWith('image/')) {
          preview = (
            <a href={url} target="_blank" rel="noreferrer noopener" aria-label={t('thread.openImage', { name })} data-testid="attachment-image-link">
              <img src={url} alt={t('thread.image', { name })} className="attachment-thumb" loading="lazy" data-testid="attachment-image" />
            </a>
          )
        } else if (url && type.startsWith('audio/') && !NOT_PLAYABLE.has(type)) {
          preview = <audio controls preload="none" src={url} aria-label={name} data-testid="attachment-audio" />
        } else if (url && type.startsWith('video/')) {
          preview = <video controls preload="metadata" src={url} aria-label={name} className="attachment-video" data-testid="attachment-video" />
        } else if (NOT_PLAYABLE.has(type)) {
          preview = (
            <span className="muted" data-testid="attachment-not-playable">
              {t('thread.notPlayable', { type })}
            </span>
          )
        }
        return (
          <li key={index} className={`attachment attachment-${type.split('/')[0] || 'file'}`} data-testid="attachment" data-content-type={type}>
            {preview}
            <span className="attachment-file">
              {download}
              {length && (
                <span className="muted attachment-duration" data-testid="attachment-duration">
                  {' · '}
                  {t('thread.duration', { duration: length })}
                </span>
              )}
              {size && <span className="muted attachment-size"> · {size}</span>}
            </span>
          </li>
        )
      })}
    </ul>
  )
}
