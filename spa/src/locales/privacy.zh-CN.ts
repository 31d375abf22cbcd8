/** 客户面板中“显示完整联系方式”的中文文字（并入 zh-CN.ts）。 */
import type { privacyEn } from './privacy.en'

type Strings<T> = { [K in keyof T]: T[K] extends string ? string : Strings<T[K]> }

export const privacyZhCN: Strings<typeof privacyEn> = {
  reveal: {
    button: '显示',
    buttonLabel: '显示完整的电话、邮箱和渠道账号',
    title: '显示完整联系方式',
    hint: '电话和邮箱默认脱敏显示。查看完整信息会连同原因记入审计日志。',
    reason: '原因',
    reasonPlaceholder: '为什么需要完整信息？（例如：客户要求回电）',
    submit: '显示',
    revealing: '正在显示…',
    revealed: '离开此工单前完整显示；已记入审计日志。',
  },
}
