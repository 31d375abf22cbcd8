import { useTranslation } from 'react-i18next'
import { Link, useLocation, useNavigate, useParams } from 'react-router'
import { useMe } from '../../features/auth/api/get-me'
import { TicketView } from '../../features/tickets/components/ticket-view'

export function TicketRoute() {
  const { t } = useTranslation()
  const { ticketId = '' } = useParams()
  const navigate = useNavigate()
  const location = useLocation()
  const me = useMe()
  // 'default' means the ticket was opened directly (a link, a reload): there is no inbox page to go back to.
  const cameFromApp = location.key !== 'default'
  return (
    <div className="ticket-page">
      <nav className="breadcrumb" aria-label={t('nav.breadcrumb')}>
        <Link
          to="/"
          data-testid="back-to-inbox"
          onClick={(e) => {
            if (cameFromApp) {
              e.preventDefault()
              navigate(-1) // keeps the inbox filters the agent had
            }
          }}
        >
          ← {t('nav.inbox')}
        </Link>
      </nav>
      <TicketView key={ticketId} ticketId={ticketId} currentAgentId={me.data?.id} roles={me.data?.roles} />
    </div>
  )
}
