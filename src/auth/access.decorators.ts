import { SetMetadata } from '@nestjs/common';
import type { StaffRole } from './roles';

export const ROLES_KEY = 'vigil:roles';
export const PUBLIC_KEY = 'vigil:public';

/** The roles allowed on a route. A route without a declaration refuses everyone. */
export const Roles = (...roles: StaffRole[]): MethodDecorator & ClassDecorator =>
  SetMetadata(ROLES_KEY, roles);

/**
 * Open to anyone: health checks, and patient pages that carry their own signed
 * link. Saying so explicitly keeps a forgotten declaration failing closed.
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

/** Every route may be open to any signed-in staff role with this shorthand. */
export const ANY_STAFF: StaffRole[] = ['admin', 'clinician', 'staff'];

/**
 * Changes with clinical consequence: moving a patient between programs (which
 * changes the clinician-set rules that watch them), disconnecting and ending
 * monitoring. Clinicians and admins only.
 */
export const CLINICAL_STAFF: StaffRole[] = ['admin', 'clinician'];
