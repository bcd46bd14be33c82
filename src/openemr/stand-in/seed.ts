import type { OpenEmrSql } from '../openemr-database';

/**
 * The rows OpenEMR's installer and a clinic's admin would have created: a fresh
 * sql/database.sql has no users, ACL rows or lists. Small, named and stable so
 * the demo and the tests can point at them.
 */
export interface StandInUser {
  id: number;
  username: string;
  fname: string;
  lname: string;
  active: boolean;
  /** OpenEMR ACL groups (`gacl_aro_groups.value`). */
  groups: string[];
}

export interface StandInPatient {
  pid: number;
  pubpid: string;
  fname: string;
  lname: string;
  dob: string;
  email: string;
  providerId: number | null;
  /** Portal login, when the patient has a portal account. */
  portalUsername: string | null;
}

export const STAND_IN_USERS: readonly StandInUser[] = [
  {
    id: 1,
    username: 'admin',
    fname: 'Clinic',
    lname: 'Administrator',
    active: true,
    groups: ['admin'],
  },
  { id: 2, username: 'vigil', fname: 'Vigil', lname: 'Service', active: true, groups: [] },
  {
    id: 3,
    username: 'drsmith',
    fname: 'Dana',
    lname: 'Smith',
    active: true,
    groups: ['doc', 'clin'],
  },
  {
    id: 4,
    username: 'drjones',
    fname: 'Lee',
    lname: 'Jones',
    active: true,
    groups: ['doc', 'clin'],
  },
  { id: 5, username: 'nurseward', fname: 'Amy', lname: 'Ward', active: true, groups: ['clin'] },
  { id: 6, username: 'frontdesk', fname: 'Pat', lname: 'Lee', active: true, groups: ['front'] },
  { id: 7, username: 'billing', fname: 'Sam', lname: 'Cole', active: true, groups: ['back'] },
  {
    id: 8,
    username: 'drold',
    fname: 'Olive',
    lname: 'Old',
    active: false,
    groups: ['doc', 'clin'],
  },
];

export const STAND_IN_PATIENTS: readonly StandInPatient[] = [
  {
    pid: 1,
    pubpid: '1001',
    fname: 'Maria',
    lname: 'Garcia',
    dob: '1956-03-14',
    email: 'maria.garcia@example.org',
    providerId: 3,
    portalUsername: 'mgarcia',
  },
  {
    pid: 2,
    pubpid: '1002',
    fname: 'John',
    lname: 'Okafor',
    dob: '1948-11-02',
    email: 'john.okafor@example.org',
    providerId: 4,
    portalUsername: 'jokafor',
  },
  {
    pid: 3,
    pubpid: '1003',
    fname: 'Ana',
    lname: 'Silva',
    dob: '1971-07-21',
    email: 'ana.silva@example.org',
    providerId: 8,
    portalUsername: null,
  },
  {
    pid: 4,
    pubpid: '1004',
    fname: 'Wei',
    lname: 'Chen',
    dob: '1963-01-30',
    email: '',
    providerId: null,
    portalUsername: null,
  },
  {
    pid: 5,
    pubpid: '1005',
    fname: 'Grace',
    lname: 'Hall',
    dob: '1952-09-09',
    email: 'grace.hall@example.org',
    providerId: 3,
    portalUsername: 'ghall',
  },
  {
    pid: 6,
    pubpid: '1006',
    fname: 'Omar',
    lname: 'Haddad',
    dob: '1968-05-17',
    email: 'omar.haddad@example.org',
    providerId: 4,
    portalUsername: 'ohaddad',
  },
];

/** OpenEMR's default ACL groups (id, parent, value, name). */
const ACL_GROUPS: readonly [number, number, string, string][] = [
  [10, 0, 'users', 'OpenEMR Users'],
  [11, 10, 'admin', 'Administrators'],
  [12, 10, 'clin', 'Clinicians'],
  [13, 10, 'doc', 'Physicians'],
  [14, 10, 'front', 'Front Office'],
  [15, 10, 'back', 'Accounting'],
];

/** The note_type list as OpenEMR ships it (the contract names these). */
const NOTE_TYPES: readonly string[] = [
  'Unassigned',
  'Chart Note',
  'Insurance',
  'New Document',
  'Pharmacy',
  'Prior Auth',
  'Referral',
  'Test Scheduling',
  'Bill/Collect',
  'Other',
  'Lab Results',
  'Patient Reminders',
];

/** Writes the seed rows into freshly created stand-in tables. */
export async function seedStandIn(sql: OpenEmrSql): Promise<void> {
  for (const user of STAND_IN_USERS) {
    await sql.insert(
      'INSERT INTO users (id, username, password, authorized, fname, lname, active) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [
        user.id,
        user.username,
        'NoLongerUsed',
        user.groups.includes('doc') ? 1 : 0,
        user.fname,
        user.lname,
        user.active ? 1 : 0,
      ],
    );
  }
  for (const [id, parent, value, name] of ACL_GROUPS) {
    await sql.insert(
      'INSERT INTO gacl_aro_groups (id, parent_id, lft, rgt, name, value) VALUES (?, ?, ?, ?, ?, ?)',
      [id, parent, id * 2, id * 2 + 1, name, value],
    );
  }
  for (const [index, user] of STAND_IN_USERS.entries()) {
    const aroId = 10 + index;
    await sql.insert(
      "INSERT INTO gacl_aro (id, section_value, value, order_value, name, hidden) VALUES (?, 'users', ?, 10, ?, 0)",
      [aroId, user.username, `${user.fname} ${user.lname}`],
    );
    for (const group of user.groups) {
      const groupId = ACL_GROUPS.find(([, , value]) => value === group)![0];
      await sql.insert('INSERT INTO gacl_groups_aro_map (group_id, aro_id) VALUES (?, ?)', [
        groupId,
        aroId,
      ]);
    }
  }
  // OpenEMR's database.sql ships the note_type list; the stand-in's tables start empty.
  const [shipped] = await sql.select<{ n: number | string }>(
    "SELECT COUNT(*) AS n FROM list_options WHERE list_id = 'note_type'",
  );
  if (Number(shipped.n) > 0) return seedPatients(sql);
  await sql.insert(
    "INSERT INTO list_options (list_id, option_id, title, seq) VALUES ('lists', 'note_type', 'Patient Note Types', 1)",
  );
  for (const [index, title] of NOTE_TYPES.entries()) {
    await sql.insert(
      "INSERT INTO list_options (list_id, option_id, title, seq) VALUES ('note_type', ?, ?, ?)",
      [title, title, (index + 1) * 10],
    );
  }
  await seedPatients(sql);
}

async function seedPatients(sql: OpenEmrSql): Promise<void> {
  for (const patient of STAND_IN_PATIENTS) {
    await sql.insert(
      `INSERT INTO patient_data (pid, pubpid, fname, lname, DOB, email, providerID, allow_patient_portal)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        patient.pid,
        patient.pubpid,
        patient.fname,
        patient.lname,
        patient.dob,
        patient.email,
        patient.providerId,
        patient.portalUsername === null ? '' : 'YES',
      ],
    );
    if (patient.portalUsername !== null) {
      await sql.insert(
        'INSERT INTO patient_access_onsite (pid, portal_username, portal_login_username, portal_pwd_status) VALUES (?, ?, ?, 1)',
        [patient.pid, patient.portalUsername, patient.portalUsername],
      );
    }
  }
}
