import { humanize } from '../../lib/format'

const CHANNEL_LABELS: Record<string, string> = {
  web: 'Web chat',
  form: 'Web form',
  email: 'Email',
  wechat: 'WeChat',
  wecom: 'WeCom',
  whatsapp: 'WhatsApp',
  messenger: 'Messenger',
  instagram: 'Instagram',
  twilio: 'SMS / Voice',
  sms: 'SMS',
  voice: 'Voice',
  line: 'LINE',
  telegram: 'Telegram',
  weibo: 'Weibo',
}

export function channelLabel(channel: string): string {
  return CHANNEL_LABELS[channel] ?? humanize(channel)
}
