import { useTranslation } from 'react-i18next'
import { Link, Navigate, NavLink, Outlet, useLocation } from 'react-router'
import { RealtimeIndicator } from '../../components/ui/realtime-indicator'
import { UserMenu } from '../../features/auth/components/user-menu'
import { NotificationBell } from '../../features/notifications/components/notification-bell'
import { ShortcutHelp } from '../../features/tickets/components/shortcut-help'
import { useRealtimeConnection } from '../../lib/use-realtime'
import { useSession } from '../../lib/use-session'
import { NavExtras } from './nav-extras'

/** Every signed-in screen: the header, then the page. Without a session (logout, 401) -> the login screen. */
export function AppLayout() {
  const { t } = useTranslation()
  const session = useSession()
  const location = useLocation()
  useRealtimeConnection()
  if (!session) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />

  return (
    <div className="shell">
      <a href="#main" className="skip-link" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus() }}>
        {t('nav.skipToContent')}
      </a>
      <header className="app-header">
        <Link to="/" className="brand">
          Kefu <span lang="zh-CN">客服</span>
        </Link>
        <nav aria-label={t('nav.main')}>
          <NavLink to="/" end data-testid="nav-inbox">
            {t('nav.inbox')}
          </NavLink>
          <NavExtras />
        </nav>
        <RealtimeIndicator />
        <NotificationBell />
        <UserMenu />
      </header>
      <main className="app-main" id="main" tabIndex={-1}>
        <Outlet />
      </main>
      <ShortcutHelp />
    </div>
  )
}
