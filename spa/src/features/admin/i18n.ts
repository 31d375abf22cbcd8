/** The admin screens' strings: a namespace of their own, added when those screens load, so they stay out of
 * the initial bundle. */
import { useTranslation } from 'react-i18next'
import { i18n } from '../../lib/i18n'
import { adminEn } from '../../locales/admin.en'
import { adminZhCN } from '../../locales/admin.zh-CN'

i18n.addResourceBundle('en', 'admin', adminEn, true, true)
i18n.addResourceBundle('zh-CN', 'admin', adminZhCN, true, true)

export const useAdminTranslation = () => useTranslation('admin')
