export type Section = 'inboxes' | 'people' | 'organizations' | 'rules' | 'sla' | 'articles' | 'customers'

/** What each role may open (the API refuses the rest too): supervisors look at inboxes, write articles and
 * merge customers; admins do everything (organizations among it: like the teams, only admins list or save them). */
export function sectionsFor(roles: string[]): Section[] {
  if (roles.includes('admin')) return ['inboxes', 'people', 'organizations', 'rules', 'sla', 'articles', 'customers']
  if (roles.includes('supervisor')) return ['inboxes', 'articles', 'customers']
  return []
}
