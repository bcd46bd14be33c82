/** Who a caller is to Vigil. Clinicians can do all staff can; admins everything. */
export const STAFF_ROLES = ['admin', 'clinician', 'staff'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export function isStaffRole(value: unknown): value is StaffRole {
  return typeof value === 'string' && (STAFF_ROLES as readonly string[]).includes(value);
}
