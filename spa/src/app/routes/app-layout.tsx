import { Link, Navigate, NavLink, Outlet, useLocation } from 'react-router'
import { UserMenu } from '../../features/auth/components/user-menu'
import { useSession } from '../../lib/use-session'

/** Every signed-in screen: the header, then the page. Without a session (logout, 401) -> the login screen. */
export function AppLayout() {
  const session = useSession()
  const location = useLocation()
  if (!session) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />

  return (
    <div className="shell">
      <header className="app-header">
        <Link to="/" className="brand">
          Kefu <span lang="zh-CN">客服</span>
        </Link>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Inbox
          </NavLink>
        </nav>
        <UserMenu />
      </header>
      <main className="app-main">
        <Outlet />
      </main>
    </div>
  )
}
