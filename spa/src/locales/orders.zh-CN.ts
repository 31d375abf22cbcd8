/** 客户面板“订单”一节的中文文字（并入 zh-CN.ts）。 */
import type { ordersEn } from './orders.en'

type Strings<T> = { [K in keyof T]: T[K] extends string ? string : Strings<T[K]> }

export const ordersZhCN: Strings<typeof ordersEn> = {
  orders: {
    title: '订单',
    none: '该客户的邮箱或手机号下没有订单。',
    notConfigured: '尚未接入订单系统。',
    unavailable: '订单系统暂时无法查询。',
    placed: '{{date}} 下单',
    eta: '预计 {{date}} 送达',
    delivered: '{{date}} 签收',
    tracking: '{{carrier}} {{number}}',
    status: {
      pending: '待付款',
      paid: '已付款',
      processing: '备货中',
      shipped: '已发货',
      in_transit: '运输中',
      out_for_delivery: '派送中',
      delivered: '已签收',
      cancelled: '已取消',
      returned: '已退货',
      refunded: '已退款',
      unknown: '其他',
    },
  },
}
