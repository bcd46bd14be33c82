import { CLINICAL_STAFF } from '../../auth/access.decorators';
import type { InvitationSummary } from '../../consent/invitations';
import { type EnrollmentView, isDisconnected } from '../../patients/enrollments';

/**
 * The status staff read: the enrollment's own, except that a pause caused by
 * a lost connection (the patient stopped sharing, or staff disconnected) is
 * told apart as `disconnected`, since only a new invitation restarts it.
 */
export type ShownStatus = EnrollmentView['status'] | 'disconnected';

export function shownStatus(view: EnrollmentView): ShownStatus {
  return isDisconnected(view) ? 'disconnected' : view.status;
}

export const STATUS_WORDS: Record<ShownStatus, string> = {
  invited: 'waiting for the patient to connect',
  active: 'connected and syncing',
  needs_reconsent: 'Google refused the stored grant; invite again',
  paused: 'not synced or evaluated until resumed',
  disconnected: 'not synced; invite again to restart',
  ended: 'monitoring is over',
};

export type EnrollmentAction = 'invite' | 'pause' | 'resume' | 'disconnect' | 'end' | 'enroll';

/**
 * What this member of staff may do with an enrollment now, as the services
 * allow it: disconnecting and ending are clinical decisions, so other roles
 * are not offered buttons that would answer 403.
 */
export function enrollmentActions(view: EnrollmentView, role: string): EnrollmentAction[] {
  const clinical = (CLINICAL_STAFF as readonly string[]).includes(role);
  return possibleActions(view).filter(
    (action) => clinical || (action !== 'disconnect' && action !== 'end'),
  );
}

/** A new invitation for a patient who is connected now puts a working connection at stake. */
export function reinviteIsRisky(view: EnrollmentView): boolean {
  return view.status === 'active' && view.connection?.connected === true;
}

function possibleActions(view: EnrollmentView): EnrollmentAction[] {
  if (view.status === 'ended') return ['enroll'];
  const connected = view.connection?.connected === true;
  const live = view.connection !== null && view.connection.disconnectedAt === null;
  const actions: EnrollmentAction[] = ['invite'];
  if (view.status === 'active') actions.push('pause');
  if (view.status === 'paused' && connected) actions.push('resume');
  if (live) actions.push('disconnect');
  actions.push('end');
  return actions;
}

/** "Invite" the first time, "Re-invite" once a link was ever made. */
export function inviteLabel(invitation: InvitationSummary | undefined): string {
  return invitation ? 'Re-invite' : 'Invite';
}

export type InvitationState = 'open' | 'used' | 'expired' | 'replaced';

export function invitationState(invitation: InvitationSummary, now: Date): InvitationState {
  if (invitation.usedAt) return 'used';
  if (invitation.revokedAt) return 'replaced';
  return invitation.expiresAt.getTime() <= now.getTime() ? 'expired' : 'open';
}
