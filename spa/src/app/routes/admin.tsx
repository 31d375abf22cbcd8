import { useTranslation } from 'react-i18next'
import { Alert } from '../../components/ui/alert'
import { Spinner } from '../../components/ui/spinner'
import { useMe } from '../../features/auth/api/get-me'
import { AdminPage } from '../../features/admin/components/admin-page'

/** /admin/* (loaded on first visit, not in the initial bundle). */
export function AdminRoute() {
  const { t } = useTranslation()
  const me = useMe()
  if (!me.data) return me.isError ? <Alert>{me.error.message}</Alert> : <Spinner label={t('common.loading')} />
  return <AdminPage roles={me.data.roles} />
}
