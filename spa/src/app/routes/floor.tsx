import { useTranslation } from 'react-i18next'
import { useMe } from '../../features/auth/api/get-me'
import { Floor } from '../../features/floor/components/floor'
import { useAgentNames } from '../../features/tickets/api/get-agents'
import { Alert } from '../../components/ui/alert'
import { Spinner } from '../../components/ui/spinner'
import { canSeeFloor } from '../roles'

/** Supervisors and admins only (the API refuses others too). */
export function FloorRoute() {
  const { t } = useTranslation()
  const me = useMe()
  const { name } = useAgentNames(me.data?.id)
  if (!me.data) return me.isError ? <Alert>{me.error.message}</Alert> : <Spinner label={t('common.loading')} />
  if (!canSeeFloor(me.data.roles)) return <Alert tone="info">{t('floor.supervisorsOnly')}</Alert>
  return <Floor agentName={name} />
}
