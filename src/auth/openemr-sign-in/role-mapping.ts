import { isStaffRole, type StaffRole } from '../roles';

/** Least to most privileged: a person in several groups gets the highest role. */
const RANK: Record<StaffRole, number> = { staff: 1, clinician: 2, admin: 3 };

/**
 * Parses `key=role` pairs (`admin=admin,doc=clinician` or `alice=clinician`).
 * The environment already checked the shape; a key listed twice keeps its
 * highest role, so a typo never lowers anyone silently.
 */
export function parseRoleMap(text: string | undefined): Map<string, StaffRole> {
  const map = new Map<string, StaffRole>();
  for (const pair of (text ?? '').split(',')) {
    const [key, role] = pair.split('=').map((part) => part.trim());
    if (!key || !isStaffRole(role)) continue;
    const known = map.get(key);
    if (!known || RANK[role] > RANK[known]) map.set(key, role);
  }
  return map;
}

/** The highest role any of the groups maps to; null when none is mapped. */
export function roleFromGroups(
  groups: readonly string[],
  map: ReadonlyMap<string, StaffRole>,
): StaffRole | null {
  let best: StaffRole | null = null;
  for (const group of groups) {
    const role = map.get(group);
    if (role && (!best || RANK[role] > RANK[best])) best = role;
  }
  return best;
}
