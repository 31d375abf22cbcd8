import { useTranslation } from 'react-i18next'
import { NavLink } from 'react-router'
import { useMe } from '../../features/auth/api/get-me'
import { canSeeFloor } from '../roles'

/** The header's links after the inbox: canned replies for everyone, the floor and the
 * administration for supervisors and admins. */
export function NavExtras() {
  const { t } = useTranslation()
  const me = useMe()
  return (
    <>
      <NavLink to="/canned-replies" data-testid="nav-canned">
        {t('canned.title')}
      </NavLink>
      {canSeeFloor(me.data?.roles) && (
        <NavLink to="/floor" data-testid="nav-floor">
          {t('floor.nav')}
        </NavLink>
      )}
      {canSeeFloor(me.data?.roles) && (
        <NavLink to="/admin" data-testid="nav-admin">
          {t('nav.admin')}
        </NavLink>
      )}
    </>
  )
}
