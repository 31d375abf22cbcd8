import { createHashRouter, Navigate } from 'react-router'
import { AppLayout } from './routes/app-layout'
import { CannedRepliesRoute } from './routes/canned-replies'
import { FloorRoute } from './routes/floor'
import { InboxRoute } from './routes/inbox'
import { LoginRoute } from './routes/login'
import { SettingsRoute } from './routes/settings'
import { TicketRoute } from './routes/ticket'

// Hash URLs (/app/#/tickets/…) work from any static host without a rewrite rule for deep links.
export const router = createHashRouter([
  { path: '/login', element: <LoginRoute /> },
  {
    element: <AppLayout />,
    children: [
      { index: true, element: <InboxRoute /> },
      { path: 'tickets/:ticketId', element: <TicketRoute /> },
      { path: 'settings', element: <SettingsRoute /> },
      { path: 'canned-replies', element: <CannedRepliesRoute /> },
      { path: 'floor', element: <FloorRoute /> },
      // the admin screens load on first visit (their own chunk, strings and styles)
      { path: 'admin/*', lazy: () => import('./routes/admin').then((m) => ({ Component: m.AdminRoute })) },
    ],
  },
  { path: '*', element: <Navigate to="/" replace /> },
])
