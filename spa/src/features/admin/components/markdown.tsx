import type { ReactNode } from 'react'

/**
 * A small Markdown preview for articles: headings, paragraphs, lists, block quotes, code blocks, inline code,
 * bold, italics and http(s)/mailto links. It builds React elements (no HTML is injected), so whatever an author
 * types cannot run in the page; the help center renders the stored Markdown itself.
 */
export function MarkdownPreview({ source }: { source: string }) {
  return <>{blocks(source)}</>
}

function blocks(source: string): ReactNode[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n')
  const out: ReactNode[] = []
  let i = 0
  while (i < lines.length) {
    const line = lines[i]
    if (!line.trim()) {
      i += 1
      continue
    }
    if (line.startsWith('```')) {
      const code: string[] = []
      i += 1
      while (i < lines.length && !lines[i].startsWith('```')) code.push(lines[i++])
      i += 1
      out.push(
        <pre key={out.length}>
          <code>{code.join('\n')}</code>
        </pre>,
      )
      continue
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line)
    if (heading) {
      // the page's own h1-h3 come first: article headings start at h4 so the outline stays in order
      const level = Math.min(6, heading[1].length + 3)
      const Tag = `h${level}` as 'h4'
      out.push(<Tag key={out.length}>{inline(heading[2])}</Tag>)
      i += 1
      continue
    }
    if (/^\s*([-*+]|\d+[.)])\s+/.test(line)) {
      const ordered = /^\s*\d+[.)]\s+/.test(line)
      const items: string[] = []
      while (i < lines.length && /^\s*([-*+]|\d+[.)])\s+/.test(lines[i])) items.push(lines[i++].replace(/^\s*([-*+]|\d+[.)])\s+/, ''))
      const List = ordered ? 'ol' : 'ul'
      out.push(
        <List key={out.length}>
          {items.map((item, n) => (
            <li key={n}>{inline(item)}</li>
          ))}
        </List>,
      )
      continue
    }
    if (line.startsWith('>')) {
      const quoted: string[] = []
      while (i < lines.length && lines[i].startsWith('>')) quoted.push(lines[i++].replace(/^>\s?/, ''))
      out.push(<blockquote key={out.length}>{blocks(quoted.join('\n'))}</blockquote>)
      continue
    }
    const paragraph: string[] = []
    while (i < lines.length && lines[i].trim() && !/^(#{1,6}\s|```|>|\s*([-*+]|\d+[.)])\s)/.test(lines[i])) paragraph.push(lines[i++])
    out.push(<p key={out.length}>{inline(paragraph.join(' '))}</p>)
  }
  return out
}

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*]+\*|_[^_]+_)|(\[[^\]]+\]\([^)\s]+\))/

function inline(text: string): ReactNode[] {
  const out: ReactNode[] = []
  let rest = text
  while (rest) {
    const match = INLINE.exec(rest)
    if (!match) {
      out.push(rest)
      break
    }
    if (match.index) out.push(rest.slice(0, match.index))
    const token = match[0]
    const key = out.length
    if (match[1]) out.push(<code key={key}>{token.slice(1, -1)}</code>)
    else if (match[2]) out.push(<strong key={key}>{inline(token.slice(2, -2))}</strong>)
    else if (match[3]) out.push(<em key={key}>{inline(token.slice(1, -1))}</em>)
    else {
      const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(token)
      const href = link?.[2] ?? ''
      out.push(
        /^(https?:|mailto:)/i.test(href) ? (
          <a key={key} href={href} target="_blank" rel="noopener noreferrer">
            {link?.[1]}
          </a>
        ) : (
          link?.[1]
        ),
      )
    }
    rest = rest.slice(match.index + token.length)
  }
  return out
}
