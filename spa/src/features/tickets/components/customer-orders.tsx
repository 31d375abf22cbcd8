import { useTranslation } from 'react-i18next'
import { useCustomerOrders, type CustomerOrder } from '../api/customer-orders'

const KNOWN = [
  'pending',
  'paid',
  'processing',
  'shipped',
  'in_transit',
  'out_for_delivery',
  'delivered',
  'cancelled',
  'returned',
  'refunded',
] as const
type Known = (typeof KNOWN)[number]
const isKnown = (status: string): status is Known => (KNOWN as readonly string[]).includes(status)

/** The customer's latest orders in the installation's order system (docs/orders.md); says so plainly when no
 * order system is connected or it does not answer. */
export function CustomerOrders({ customerId }: { customerId: string }) {
  const { t } = useTranslation()
  const orders = useCustomerOrders(customerId)
  const data = orders.data
  return (
    <section className="panel customer-orders" aria-labelledby="customer-orders-title" data-testid="customer-orders">
      <h2 id="customer-orders-title">{t('orders.title')}</h2>
      {orders.isPending ? (
        <p className="muted">{t('common.loading')}</p>
      ) : orders.isError ? (
        <p className="muted">{orders.error.message}</p>
      ) : data?.status === 'not_configured' ? (
        <p className="muted" data-testid="orders-state">{t('orders.notConfigured')}</p>
      ) : data?.status === 'unavailable' ? (
        <p className="muted" role="status" data-testid="orders-state">{t('orders.unavailable')}</p>
      ) : !data || data.items.length === 0 ? (
        <p className="muted" data-testid="orders-state">{t('orders.none')}</p>
      ) : (
        <ul className="history">
          {data.items.map((order) => (
            <OrderLine key={order.order_number} order={order} />
          ))}
        </ul>
      )}
    </section>
  )
}

function OrderLine({ order }: { order: CustomerOrder }) {
  const { t } = useTranslation()
  const status: string = isKnown(order.status)
    ? t(`orders.status.${order.status}`)
    : order.status_label || t('orders.status.unknown')
  const day = (value: string) => value.slice(0, 10)
  return (
    <li data-testid="customer-order">
      <span className="mono">{order.order_number}</span> <span className="badge">{status}</span>
      <span className="history-meta">
        <span>{t('orders.placed', { date: day(order.placed_at) })}</span>
        {order.delivered_at ? (
          <span>{t('orders.delivered', { date: day(order.delivered_at) })}</span>
        ) : order.estimated_delivery ? (
          <span>{t('orders.eta', { date: order.estimated_delivery })}</span>
        ) : null}
        {order.carrier && order.tracking_number && (
          <span className="mono">{t('orders.tracking', { carrier: order.carrier, number: order.tracking_number })}</span>
        )}
      </span>
      {order.items.length > 0 && (
        <span className="muted">{order.items.map((item) => `${item.name} × ${item.quantity}`).join(', ')}</span>
      )}
    </li>
  )
}
