/**
 * The order of the inbox the agent last looked at, so "next ticket" (n) in the ticket view goes where the
 * agent expects: the ticket below this one in that list.
 */
let order: string[] = []

export function rememberInboxOrder(ids: string[]): void {
  order = ids
}

export function nextTicketId(currentId: string): string | null {
  const index = order.indexOf(currentId)
  if (index >= 0) return order[index + 1] ?? null
  return order.find((id) => id !== currentId) ?? null
}
