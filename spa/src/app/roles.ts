/** Supervisors and admins run the floor (the API refuses others too). */
export const canSeeFloor = (roles: string[] | undefined) => Boolean(roles?.some((role) => role === 'supervisor' || role === 'admin'))
