/** English strings of the customer panel's orders (spread into en.ts; orders.zh-CN.ts has the same keys). */
export const ordersEn = {
  orders: {
    title: 'Orders',
    none: 'No orders under this customer’s email or phone.',
    notConfigured: 'No order system is connected.',
    unavailable: 'The order system is unavailable right now.',
    placed: 'Placed {{date}}',
    eta: 'Expected {{date}}',
    delivered: 'Delivered {{date}}',
    tracking: '{{carrier}} {{number}}',
    status: {
      pending: 'Waiting for payment',
      paid: 'Paid',
      processing: 'Being packed',
      shipped: 'Shipped',
      in_transit: 'In transit',
      out_for_delivery: 'Out for delivery',
      delivered: 'Delivered',
      cancelled: 'Cancelled',
      returned: 'Returned',
      refunded: 'Refunded',
      unknown: 'Other',
    },
  },
}
