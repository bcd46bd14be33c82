import type { EnrollmentView } from '../../patients/enrollments';
import { enrollmentActions, invitationState, shownStatus } from './enrollment-status';

const at = new Date('2026-11-20T10:00:00Z');

function view(
  status: EnrollmentView['status'],
  connection: { connected: boolean; disconnected: boolean } | null,
): EnrollmentView {
  return {
    pid: 12,
    program: null,
    status,
    timeZone: null,
    syncIntervalMinutes: 360,
    createdAt: at,
    createdBy: 'test',
    updatedAt: at,
    endedAt: null,
    connection: connection && {
      provider: 'google-health',
      connected: connection.connected,
      grantedData: [],
      connectedAt: at,
      disconnectedAt: connection.disconnected ? at : null,
      nextSyncAt: null,
      lastSyncAt: null,
      lastDeviceSyncAt: null,
    },
  };
}

describe('enrollment status on the page', () => {
  it('tells a pause by staff from a lost connection', () => {
    expect(shownStatus(view('paused', { connected: true, disconnected: false }))).toBe('paused');
    expect(shownStatus(view('paused', { connected: false, disconnected: true }))).toBe(
      'disconnected',
    );
    expect(shownStatus(view('invited', null))).toBe('invited');
  });

  it('offers the actions the services allow', () => {
    const live = { connected: true, disconnected: false };
    expect(enrollmentActions(view('invited', null), 'clinician')).toEqual(['invite', 'end']);
    expect(enrollmentActions(view('active', live), 'admin')).toEqual([
      'invite',
      'pause',
      'disconnect',
      'end',
    ]);
    expect(enrollmentActions(view('paused', live), 'clinician')).toEqual([
      'invite',
      'resume',
      'disconnect',
      'end',
    ]);
    expect(
      enrollmentActions(view('paused', { connected: false, disconnected: true }), 'clinician'),
    ).toEqual(['invite', 'end']);
    expect(enrollmentActions(view('ended', null), 'clinician')).toEqual(['enroll']);
  });

  it('offers disconnect and end only to the roles allowed to do them', () => {
    const live = { connected: true, disconnected: false };
    expect(enrollmentActions(view('active', live), 'staff')).toEqual(['invite', 'pause']);
    expect(enrollmentActions(view('invited', null), 'staff')).toEqual(['invite']);
    expect(enrollmentActions(view('active', live), 'unknown')).toEqual(['invite', 'pause']);
  });

  it('says what became of the latest invitation', () => {
    const base = { createdAt: at, createdBy: 'x', usedAt: null, revokedAt: null };
    const later = new Date('2026-11-21T10:00:00Z');
    expect(invitationState({ ...base, expiresAt: later }, at)).toBe('open');
    expect(invitationState({ ...base, expiresAt: at }, later)).toBe('expired');
    expect(invitationState({ ...base, expiresAt: later, usedAt: at }, at)).toBe('used');
    expect(invitationState({ ...base, expiresAt: later, revokedAt: at }, at)).toBe('replaced');
  });
});
