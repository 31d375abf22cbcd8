import type { threadEn } from './thread.en'

/** 会话中的文件、回复附件、正在输入和未读标记的中文文案（与 thread.en.ts 键相同）。 */
export const threadZhCN: typeof threadEn = {
  thread: {
    unread: '未读',
    unreadTicket: '未读：{{title}}',
    image: '图片 {{name}}',
    openImage: '查看原图 {{name}}',
    download: '下载 {{name}}',
    size: '{{size}}',
    notPlayable: '浏览器无法播放此语音格式（{{type}}），请下载后收听。',
    transcript: '语音转文字',
    duration: '时长 {{duration}}',
    pending: '{{name}}（正在获取）',
    customerTyping: '客户正在输入…',
    emailBody: '邮件原格式（已阻止远程图片）',
    plainText: '纯文本',
    attach: '添加附件',
    attachHint: '图片、音频、视频、PDF、Office 文档或文本，每个不超过 4 MB',
    uploading: '正在上传 {{name}}…',
    remove: '移除 {{name}}',
    attachments: '待发送的文件',
    tooBig: '{{name}} 大小为 {{size}}，文件不能超过 4 MB。',
    tooMany: '每条消息最多 10 个文件。',
    noMediaChannel: '此渠道无法发送文件：请只发送文字，或将文件添加到内部备注。',
    linkChannel: '在此渠道，文件将以下载链接发送给客户（7 天内有效）。',
  },
}
