import { Injectable } from '@nestjs/common';
import { Environment } from '../../config/environment';
import { OpenEmrDatabase } from '../../openemr/openemr-database';
import { OpenEmrDirectory } from '../../openemr/openemr-directory';
import type { StaffRole } from '../roles';
import { parseRoleMap, roleFromGroups } from './role-mapping';

export type RoleDecision =
  | { ok: true; role: StaffRole; groups: string[] }
  | { ok: false; refusal: 'unknown-user' | 'inactive' | 'no-role' };

/**
 * A signed-in OpenEMR user's Vigil role, read afresh at every sign-in (staff
 * change groups and leave): from the user's OpenEMR ACL groups when Vigil can
 * read OpenEMR's database, else from the username map in the configuration.
 */
@Injectable()
export class OpenEmrStaffRoles {
  private readonly groupRoles: ReadonlyMap<string, StaffRole>;
  private readonly userRoles: ReadonlyMap<string, StaffRole>;

  constructor(
    env: Environment,
    private readonly db: OpenEmrDatabase,
    private readonly directory: OpenEmrDirectory,
  ) {
    this.groupRoles = parseRoleMap(env.OPENEMR_ROLE_MAP);
    this.userRoles = parseRoleMap(env.OPENEMR_OAUTH_ROLES);
  }

  /** Where roles come from, for the pages and the doctor. */
  get source(): 'openemr-groups' | 'configuration' {
    return this.db.isConfigured ? 'openemr-groups' : 'configuration';
  }

  async roleOf(username: string): Promise<RoleDecision> {
    if (!this.db.isConfigured) {
      const role = this.userRoles.get(username);
      return role ? { ok: true, role, groups: [] } : { ok: false, refusal: 'no-role' };
    }
    const user = await this.directory.findUserByUsername(username);
    if (!user) return { ok: false, refusal: 'unknown-user' };
    if (!user.active) return { ok: false, refusal: 'inactive' };
    const members = await this.directory.groupMembers([...this.groupRoles.keys()]);
    const groups = [...members]
      .filter(([, users]) => users.some((member) => member.id === user.id))
      .map(([group]) => group);
    const role = roleFromGroups(groups, this.groupRoles);
    return role ? { ok: true, role, groups } : { ok: false, refusal: 'no-role' };
  }
}
