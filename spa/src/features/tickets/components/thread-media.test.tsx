import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it } from 'vitest'
import { renderWithProviders, signIn, stubFetch, withConfig, type Call } from '../../../test/helpers'
import type { Message, Ticket } from '../types'
import { Conversation } from './conversation'
import { fileSize } from '../attachments'
import { ReplyBox } from './reply-box'
import { TicketTable } from './ticket-table'

const TICKET = '01JABCDEFGHJKMNPQRSTVWXYZ0'

function message(overrides: Partial<Message>): Message {
  return {
    id: 'm1',
    direction: 'inbound',
    author_type: 'customer',
    body: '',
    internal: false,
    created_at: '2026-03-01T10:00:00Z',
    ...overrides,
  }
}

let calls: Call[]

beforeEach(async () => {
  calls = stubFetch((call) => {
    if (call.url.endsWith(`/tickets/${TICKET}/attachments`)) {
      const name = (call.body as { name: string }).name
      return { status: 201, body: { id: '01JUPLOAD00000000000000001', name, content_type: 'image/png', size: 3 } }
    }
    if (call.url.endsWith(`/tickets/${TICKET}/messages`)) return { status: 201, body: { id: 'm2', body: '' } }
    if (call.url.endsWith(`/tickets/${TICKET}/typing`)) return { body: { typing: true } }
    return undefined
  })
  await withConfig()
  signIn()
})

describe('the thread shows every kind of message', () => {
  it('an image as a thumbnail that opens full size, playable audio with a player, AMR as a download with its transcript, a file with its size', () => {
    renderWithProviders(
      <Conversation
        customerName="Li"
        agentName={(id) => id}
        messages={[
          message({ id: 'a', kind: 'image', attachments: [{ name: 'photo.png', content_type: 'image/png', size: 2048, url: 'https://s3.example/p?X-Amz-Signature=1' }] }),
          message({ id: 'b', kind: 'voice', attachments: [{ name: 'voicemail.wav', content_type: 'audio/wav', size: 10, url: 'https://s3.example/v' }] }),
          message({ id: 'c', kind: 'voice', body: '明天下午到', attachments: [{ name: 'voice.amr', content_type: 'audio/amr', size: 10, url: 'https://s3.example/a', duration_seconds: 75 }] }),
          message({ id: 'd', kind: 'file', attachments: [{ name: '发票.pdf', content_type: 'application/pdf', size: 1536000, url: 'https://s3.example/f' }] }),
          message({ id: 'e', kind: 'image', attachments: [{ name: null, content_type: 'image/jpeg', size: null, url: null }] }),
        ]}
      />,
    )
    const [image, wav, amr, pdf, pending] = screen.getAllByTestId('message-item')
    const thumb = within(image).getByTestId('attachment-image') as HTMLImageElement
    expect(thumb.src).toBe('https://s3.example/p?X-Amz-Signature=1')
    expect(thumb.alt).toContain('photo.png')
    const full = within(image).getByTestId('attachment-image-link') as HTMLAnchorElement
    expect(full.href).toBe(thumb.src)
    expect(full.target).toBe('_blank')
    expect(full.rel).toContain('noopener')
    expect(within(image).getByText(/2 KB/)).toBeTruthy()

    expect((within(wav).getByTestId('attachment-audio') as HTMLAudioElement).src).toBe('https://s3.example/v')
    expect(within(amr).queryByTestId('attachment-audio')).toBeNull()
    expect(within(amr).getByTestId('attachment-not-playable').textContent).toContain('audio/amr')
    expect((within(amr).getByTestId('attachment-download') as HTMLAnchorElement).href).toBe('https://s3.example/a')
    expect(within(amr).getByTestId('message-body').textContent).toContain('Transcript')
    expect(within(amr).getByTestId('message-body').textContent).toContain('明天下午到')
    expect(within(amr).getByTestId('attachment-duration').textContent).toContain('1:15 long')

    const download = within(pdf).getByTestId('attachment-download') as HTMLAnchorElement
    expect(download.getAttribute('download')).toBe('发票.pdf')
    expect(within(pdf).getByText(/1\.5 MB/)).toBeTruthy()
    // a file still at the provider has no link yet, and no empty body bubble is drawn
    expect(within(pending).getByTestId('attachment-pending')).toBeTruthy()
    expect(within(pending).queryByTestId('message-body')).toBeNull()
  })

  it('formats sizes per locale', () => {
    expect(fileSize(512, 'en')).toBe('512 B')
    expect(fileSize(4 * 1024 * 1024, 'zh-CN')).toBe('4 MB')
    expect(fileSize(null, 'en')).toBe('')
  })
})

describe('unread markers in the inbox', () => {
  const base: Ticket = {
    id: TICKET,
    status: 'pending',
    priority: 'medium',
    type: 'consultation',
    channel: 'web',
    inbox: 'web',
    customer_id: 'c1',
    assignee: null,
    tags: [],
    created_at: '2026-03-01T10:00:00Z',
    updated_at: '2026-03-01T10:00:00Z',
    last_message_preview: 'where is my parcel',
  }

  it('an unread ticket is bold with a labelled marker; a read one has neither', () => {
    renderWithProviders(
      <TicketTable
        tickets={[{ ...base, unread: true }, { ...base, id: '01JABCDEFGHJKMNPQRSTVWXYZ1', unread: false }]}
        agentName={(id) => id}
        onOpen={() => undefined}
      />,
    )
    const [unread, read] = screen.getAllByTestId('ticket-row')
    expect(unread.className).toContain('unread')
    expect(unread.getAttribute('aria-label')).toBe('Unread: where is my parcel')
    expect(within(unread).getByRole('img', { name: 'Unread' })).toBeTruthy()
    expect(read.className).not.toContain('unread')
    expect(within(read).queryByTestId('unread-marker')).toBeNull()
  })
})

describe('composer attachments', () => {
  it('uploads a chosen file and sends its id with the reply', async () => {
    const user = userEvent.setup()
    renderWithProviders(<ReplyBox ticketId={TICKET} outboundMedia="inline" />)
    const file = new File([new Uint8Array([137, 80, 78])], 'shot.png', { type: 'image/png' })
    await user.upload(screen.getByTestId('attach-input') as HTMLInputElement, file)
    await waitFor(() => expect(screen.getByTestId('composer-file').getAttribute('data-state')).toBe('ready'))
    const upload = calls.find((c) => c.url.endsWith('/attachments'))
    expect(upload?.body).toEqual({ name: 'shot.png', content_type: 'image/png', data: 'iVBO' })
    await user.click(screen.getByTestId('send-button'))
    await waitFor(() => expect(calls.some((c) => c.url.endsWith('/messages'))).toBe(true))
    const sent = calls.find((c) => c.url.endsWith('/messages'))
    expect(sent?.body).toEqual({ body: '', internal: false, attachments: ['01JUPLOAD00000000000000001'] })
    expect(screen.queryByTestId('composer-file')).toBeNull()
  })

  it('refuses a file over 4 MB before uploading it', async () => {
    const user = userEvent.setup()
    renderWithProviders(<ReplyBox ticketId={TICKET} />)
    const big = new File([new Uint8Array(4 * 1024 * 1024 + 1)], 'big.mov', { type: 'video/quicktime' })
    await user.upload(screen.getByTestId('attach-input') as HTMLInputElement, big)
    expect(screen.getByTestId('composer-file').getAttribute('data-state')).toBe('error')
    expect(screen.getByRole('alert').textContent).toContain('at most 4 MB')
    expect(calls.some((c) => c.url.endsWith('/attachments'))).toBe(false)
    expect((screen.getByTestId('send-button') as HTMLButtonElement).disabled).toBe(true)
  })

  it('says before sending when the channel cannot carry files, and lets internal notes carry them', async () => {
    const user = userEvent.setup()
    renderWithProviders(<ReplyBox ticketId={TICKET} outboundMedia="none" />)
    expect(screen.getByTestId('media-hint').textContent).toContain('cannot carry files')
    expect((screen.getByTestId('attach-button') as HTMLButtonElement).disabled).toBe(true)
    await user.click(screen.getByTestId('internal-toggle'))
    expect(screen.queryByTestId('media-hint')).toBeNull()
    expect((screen.getByTestId('attach-button') as HTMLButtonElement).disabled).toBe(false)
  })

  it('tells the customer the agent is typing, at most once every few seconds', async () => {
    const user = userEvent.setup()
    renderWithProviders(<ReplyBox ticketId={TICKET} />)
    await user.type(screen.getByTestId('reply-box'), 'hello there')
    const typing = calls.filter((c) => c.url.endsWith(`/tickets/${TICKET}/typing`))
    expect(typing).toHaveLength(1)
    expect(typing[0].method).toBe('POST')
  })
})

describe('email HTML', () => {
  it('renders the server-sanitized HTML in a sandboxed frame that loads nothing, never in the page', () => {
    renderWithProviders(
      <Conversation
        customerName="Bob"
        agentName={(id) => id}
        messages={[message({ id: 'h', body: 'Where is my order?', html: '<p>Where is <i>my order</i>?</p><img alt="logo">' })]}
      />,
    )
    const frame = screen.getByTestId('email-body') as HTMLIFrameElement
    const sandbox = frame.getAttribute('sandbox') ?? ''
    expect(sandbox).not.toContain('allow-scripts')
    expect(sandbox).not.toContain('allow-same-origin')
    const doc = frame.getAttribute('srcdoc') ?? ''
    expect(doc).toContain("default-src 'none'")
    expect(doc).toContain('<p>Where is <i>my order</i>?</p>')
    // the HTML is not part of the app's DOM: only the frame's document holds it
    expect(document.querySelector('.message-body i')).toBeNull()
    expect(screen.getByText('Plain text')).toBeTruthy()
  })
})
