import { useMe } from '../../features/auth/api/get-me'
import { CannedManager } from '../../features/tickets/components/canned-manager'

export function CannedRepliesRoute() {
  const me = useMe()
  return <CannedManager currentAgentId={me.data?.id} roles={me.data?.roles} />
}
