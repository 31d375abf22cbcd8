import '../admin.css'
import { NavLink, Navigate, Route, Routes } from 'react-router'
import { Alert } from '../../../components/ui/alert'
import { useAdminTranslation } from '../i18n'
import { ArticlesAdmin } from './articles-admin'
import { CustomersAdmin } from './customers-admin'
import { InboxesAdmin } from './inboxes-admin'
import { OrganizationsAdmin } from './organizations-admin'
import { PeopleAdmin } from './people-admin'
import { RulesAdmin } from './rules-admin'
import { SlaAdmin } from './sla-admin'
import { sectionsFor, type Section } from '../sections'

const SCREENS: Record<Section, (props: { isAdmin: boolean }) => React.ReactNode> = {
  inboxes: ({ isAdmin }) => <InboxesAdmin canEdit={isAdmin} />,
  people: () => <PeopleAdmin />,
  organizations: () => <OrganizationsAdmin />,
  rules: () => <RulesAdmin />,
  sla: () => <SlaAdmin />,
  articles: () => <ArticlesAdmin />,
  customers: () => <CustomersAdmin />,
}

/** /admin/<section>: the sub-navigation, then the section. */
export function AdminPage({ roles }: { roles: string[] }) {
  const { t } = useAdminTranslation()
  const sections = sectionsFor(roles)
  if (sections.length === 0) return <Alert tone="info">{t('adminsOnly')}</Alert>
  const isAdmin = roles.includes('admin')
  return (
    <div className="admin-page" data-testid="admin-page">
      <h1>{t('title')}</h1>
      <nav aria-label={t('sections')} className="admin-nav">
        {sections.map((section) => (
          <NavLink key={section} to={`/admin/${section}`} data-testid={`admin-nav-${section}`}>
            {t(`nav.${section}`)}
          </NavLink>
        ))}
      </nav>
      <Routes>
        <Route index element={<Navigate to={sections[0]} replace />} />
        {sections.map((section) => {
          const Screen = SCREENS[section]
          return <Route key={section} path={section} element={<Screen isAdmin={isAdmin} />} />
        })}
        <Route path="*" element={<Navigate to={`/admin/${sections[0]}`} replace />} />
      </Routes>
    </div>
  )
}
