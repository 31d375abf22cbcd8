import { Navigate, useLocation, useNavigate } from 'react-router'
import { LoginForm } from '../../features/auth/components/login-form'
import { useSession } from '../../lib/use-session'

export function LoginRoute() {
  const session = useSession()
  const navigate = useNavigate()
  const location = useLocation()
  const from = (location.state as { from?: string } | null)?.from ?? '/'
  if (session) return <Navigate to={from} replace />
  return (
    <main className="login-page">
      <LoginForm onSignedIn={() => navigate(from, { replace: true })} />
    </main>
  )
}
