/** English strings of the thread's files, the composer's attachments, typing and unread markers (spread into
 * en.ts; thread.zh-CN.ts has the same keys). */
export const threadEn = {
  thread: {
    unread: 'Unread',
    unreadTicket: 'Unread: {{title}}',
    image: 'Image {{name}}',
    openImage: 'Open {{name}} full size',
    download: 'Download {{name}}',
    size: '{{size}}',
    notPlayable: 'This voice format ({{type}}) cannot play in a browser: download it to listen.',
    transcript: 'Transcript',
    duration: '{{duration}} long',
    pending: '{{name}} (still being fetched)',
    customerTyping: 'The customer is typing…',
    emailBody: 'The email as its sender formatted it (remote images blocked)',
    plainText: 'Plain text',
    attach: 'Attach a file',
    attachHint: 'Images, audio, video, PDF, office documents or text, up to 4 MB each',
    uploading: 'Uploading {{name}}…',
    remove: 'Remove {{name}}',
    attachments: 'Files to send',
    tooBig: '{{name}} is {{size}}: files can be at most 4 MB.',
    tooMany: 'At most 10 files a message.',
    noMediaChannel: 'This channel cannot carry files: send the text alone, or add them to an internal note.',
    linkChannel: 'On this channel files go to the customer as download links (valid 7 days).',
  },
}
