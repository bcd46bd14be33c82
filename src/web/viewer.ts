import type { AuthenticatedRequest } from '../auth/access.guard';
import type { StaffViewer } from './staff-page';

/**
 * The person behind a staff page request. A machine with a bearer token may
 * read pages too, but has no session and so no CSRF token: its forms fail.
 */
export function viewerOf(req: AuthenticatedRequest): StaffViewer {
  const live = req.staffSession;
  if (live)
    return { username: live.user.username, role: live.user.role, csrfToken: live.csrfToken };
  return {
    username: req.caller?.name ?? 'unknown',
    role: req.caller?.role ?? 'unknown',
    csrfToken: '',
  };
}
