import { DataSource } from 'typeorm';
import { AuditTrail } from '../../src/audit/audit-trail';
import { AuditEventRepository } from '../../src/audit/audit-event.repository';
import { AuditEvent } from '../../src/audit/audit-event.entity';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { migrateDatabase } from '../../src/database/migrate';
import { loadEnvironment } from '../../src/config/environment';
import { KeyRing } from '../../src/crypto/key-ring';
import { diagnoseOpenEmr } from '../../src/openemr/doctor-checks';
import { OpenEmrDatabase } from '../../src/openemr/openemr-database';
import { OpenEmrDirectory } from '../../src/openemr/openemr-directory';
import { OpenEmrPatientIdentities } from '../../src/openemr/patient-identities';
import { DatabaseSink } from '../../src/delivery/database-sink';
import type { LocalDate } from '../../src/time';
import { PortalMail, PortalMailRefused } from '../../src/openemr/portal-mail';
import { instantOfOpenEmrDateTime, openEmrDateTime } from '../../src/time';
import { freshDatabase, TestDatabase } from '../support/databases';
import { freshOpenEmr, openEmrVariants, TestOpenEmr, OPENEMR_SETUP_MS } from '../support/openemr';

describe.each(openEmrVariants())('OpenEMR lookups and portal mail on %s', ({ engine, options }) => {
  let openemr: TestOpenEmr;
  let directory: OpenEmrDirectory;
  let vigilDb: TestDatabase;
  let vigil: DataSource;

  beforeAll(async () => {
    openemr = await freshOpenEmr(engine, options);
    directory = new OpenEmrDirectory(openemr.db);
    vigilDb = await freshDatabase('sqlite');
    vigil = await new DataSource(dataSourceOptions(vigilDb.env)).initialize();
    await migrateDatabase(vigil);
  }, OPENEMR_SETUP_MS);

  afterAll(async () => {
    await vigil.destroy();
    await vigilDb.drop();
    await openemr.drop();
  });

  it('finds a patient with the provider and portal consent, and nobody who is not there', async () => {
    await expect(directory.findPatient(1)).resolves.toEqual({
      pid: 1,
      pubpid: '1001',
      fname: 'Maria',
      lname: 'Garcia',
      email: 'maria.garcia@example.org',
      providerId: 3,
      allowPatientPortal: true,
    });
    await expect(directory.findPatient(4)).resolves.toMatchObject({
      providerId: null,
      allowPatientPortal: false,
    });
    await expect(directory.findPatient(999)).resolves.toBeNull();
  });

  it('looks users up by id and username, active or not', async () => {
    await expect(directory.findUserById(3)).resolves.toEqual({
      id: 3,
      username: 'drsmith',
      active: true,
    });
    await expect(directory.findUserByUsername('drold')).resolves.toEqual({
      id: 8,
      username: 'drold',
      active: false,
    });
    await expect(directory.findUserByUsername('nobody')).resolves.toBeNull();
  });

  it('reads a user without a username and a patient whose provider is gone with one warning each', async () => {
    const warnings: string[] = [];
    const watched = new OpenEmrDirectory(openemr.db, {
      warn: (message) => warnings.push(String(message)),
    });
    await openemr.db.run(async (q) => {
      await q.insert(
        'INSERT INTO users (id, username, password, authorized, fname, lname, active) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [90, '', '', 1, 'Nameless', 'Clerk', 1],
      );
      await q.insert(
        `INSERT INTO patient_data (pid, pubpid, fname, lname, DOB, email, providerID, allow_patient_portal)
         VALUES (?, ?, ?, ?, ?, ?, ?, '')`,
        [90, '', 'Orphan', 'Patient', '1950-01-01', '', 9999],
      );
    });
    await expect(watched.findUserById(90)).resolves.toEqual({
      id: 90,
      username: '',
      active: false,
    });
    await expect(watched.routingFacts(90, ['provider'], [])).resolves.toMatchObject({
      provider: null,
    });
    expect(warnings).toEqual([
      'OpenEMR users row 90 has an unusable username; treated as inactive',
      'OpenEMR patient_data row 90 has an unusable providerID; no such user, routed as without a provider',
    ]);
    expect(warnings.join('\n')).not.toMatch(/Nameless|Clerk|Orphan|Patient/);
  });

  it('shows a patient whose DOB is NULL, empty or 0000-00-00 without one, warning once per row', async () => {
    const warnings: string[] = [];
    const identities = new OpenEmrPatientIdentities(openemr.db, {
      warn: (message) => warnings.push(String(message)),
    });
    // Strict MariaDB refuses a zero or empty date; OpenEMR's own sql_mode='' and SQLite store them.
    const zeroDate = engine === 'sqlite' || options.sessionSqlMode === '';
    const dobs: [number, string | null][] = [
      [91, null],
      ...(zeroDate
        ? ([
            [92, '0000-00-00'],
            [93, ''],
          ] as [number, string][])
        : []),
    ];
    await openemr.db.run(async (q) => {
      for (const [pid, dob] of dobs) {
        await q.insert(
          `INSERT INTO patient_data (pid, pubpid, fname, lname, DOB, email, providerID, allow_patient_portal)
           VALUES (?, ?, ?, ?, ?, ?, ?, '')`,
          [pid, `C${pid}`, 'Undated', 'Person', dob, '', 3],
        );
      }
    });
    const pids = [1, ...dobs.map(([pid]) => pid)];
    for (let read = 0; read < 2; read += 1) {
      const found = await identities.read(pids);
      expect(found.get(1)?.dob).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      for (const [pid] of dobs) {
        expect(found.get(pid)).toMatchObject({ pid, fname: 'Undated', dob: '', pubpid: `C${pid}` });
      }
    }
    expect(warnings).toEqual(
      dobs.map(
        ([pid]) =>
          `OpenEMR patient_data row ${pid} has an unusable DOB; shown without a date of birth (logged once per process)`,
      ),
    );
    expect(warnings.join('\n')).not.toMatch(/Undated|Person|C9\d/);
  });

  it('takes a processed reminder with a NULL or 0000-00-00 processed_date as acknowledged now, with a warning', async () => {
    const warnings: string[] = [];
    const sink = new DatabaseSink(openemr.db, {
      serviceUsername: 'vigil',
      noteType: 'Vigil Device Alert',
      timeZone: 'UTC',
      logger: { warn: (message) => warnings.push(String(message)) },
    });
    const rowId = await sink.sendReminder({
      pid: 1,
      recipient: { username: 'drsmith', userId: 3 },
      text: 'Vigil, chart 1001: Sleep deficit (info). [vigil:badrow1]',
      marker: '[vigil:badrow1]',
      dueDate: '2026-11-21' as LocalDate,
      priority: 'low',
      at: new Date('2026-11-20T09:00:00Z'),
    });
    // Strict MariaDB refuses a zero date; OpenEMR's own sql_mode='' and SQLite store it.
    const zeroDate = engine === 'sqlite' || options.sessionSqlMode === '';
    await openemr.db.run((q) =>
      q.update(
        'UPDATE dated_reminders SET message_processed = 1, dr_processed_by = 3, processed_date = ? WHERE dr_id = ?',
        [zeroDate ? '0000-00-00 00:00:00' : null, rowId],
      ),
    );
    const before = Date.now();
    const [ack] = await sink.acknowledgements([{ kind: 'reminder', rowId }]);
    expect(ack).toMatchObject({ kind: 'reminder', rowId, by: 'drsmith', byUserId: 3 });
    expect(ack.at.getTime()).toBeGreaterThanOrEqual(before);
    expect(warnings).toEqual([
      `OpenEMR dated_reminders row ${rowId} has an unusable processed_date; acknowledged as of now`,
    ]);
  });

  it('takes a row closed by an unknown or no OpenEMR user as acknowledged, with a warning, and closes nothing as nobody', async () => {
    const warnings: string[] = [];
    const sink = new DatabaseSink(openemr.db, {
      serviceUsername: 'vigil',
      noteType: 'Vigil Device Alert',
      timeZone: 'UTC',
      logger: { warn: (message) => warnings.push(String(message)) },
    });
    const at = new Date('2026-11-20T09:00:00Z');
    const message = (marker: string) =>
      sink.sendMessage({
        pid: 1,
        recipient: { username: 'drsmith', userId: 3 },
        body: `Sleep deficit (info). [vigil:${marker}]`,
        marker: `[vigil:${marker}]`,
        at,
      });
    const strangerDone = await message('badack1');
    const nobodyDone = await message('badack2');
    const reminder = await sink.sendReminder({
      pid: 1,
      recipient: { username: 'drsmith', userId: 3 },
      text: 'Vigil, chart 1001: Sleep deficit (info). [vigil:badack3]',
      marker: '[vigil:badack3]',
      dueDate: '2026-11-21' as LocalDate,
      priority: 'low',
      at,
    });
    await openemr.db.run(async (q) => {
      // A user id OpenEMR no longer has, and a Done written without update_by.
      await q.update(
        "UPDATE pnotes SET message_status = 'Done', update_by = ?, update_date = ? WHERE id = ?",
        [9999, '2026-11-20 10:00:00', strangerDone],
      );
      await q.update(
        "UPDATE pnotes SET message_status = 'Done', update_by = NULL, update_date = ? WHERE id = ?",
        ['2026-11-20 10:00:00', nobodyDone],
      );
      await q.update(
        'UPDATE dated_reminders SET message_processed = 1, dr_processed_by = ?, processed_date = ? WHERE dr_id = ?',
        [9999, '2026-11-20 10:00:00', reminder],
      );
    });
    const acks = await sink.acknowledgements([
      { kind: 'message', rowId: strangerDone },
      { kind: 'message', rowId: nobodyDone },
      { kind: 'reminder', rowId: reminder },
    ]);
    expect(acks).toEqual([
      expect.objectContaining({ rowId: strangerDone, by: 'drsmith', byUserId: null }),
      expect.objectContaining({ rowId: nobodyDone, by: 'drsmith', byUserId: null }),
      expect.objectContaining({ rowId: reminder, by: 'openemr', byUserId: null }),
    ]);
    expect(warnings).toEqual([
      `OpenEMR pnotes row ${strangerDone} was closed with update_by 9999, which is no OpenEMR user with a username; acknowledged as its recipient, its other rows left open`,
      `OpenEMR pnotes row ${nobodyDone} was closed with no update_by; acknowledged as its recipient, its other rows left open`,
      `OpenEMR dated_reminders row ${reminder} was closed with dr_processed_by 9999, which is no OpenEMR user with a username; acknowledged as "openemr", its other rows left open`,
    ]);
  });

  it('expands ACL groups through gacl_aro and gacl_groups_aro_map', async () => {
    const members = await directory.groupMembers(['clin', 'front', 'nosuch']);
    expect(members.get('clin')!.map((u) => [u.username, u.active])).toEqual([
      ['drsmith', true],
      ['drjones', true],
      ['nurseward', true],
      ['drold', false],
    ]);
    expect(members.get('front')!.map((u) => u.username)).toEqual(['frontdesk']);
    expect(members.get('nosuch')).toEqual([]);
  });

  it('gathers routing facts for a rule at delivery time', async () => {
    const facts = await directory.routingFacts(
      3,
      ['provider', 'group:doc', 'user:billing'],
      ['admin'],
    );
    expect(facts.provider).toEqual({ id: 8, username: 'drold', active: false });
    expect(facts.groupMembers.get('doc')!.map((u) => u.username)).toEqual([
      'drsmith',
      'drjones',
      'drold',
    ]);
    expect([...facts.users.keys()].sort()).toEqual(['admin', 'billing']);
  });

  it("writes portal mail the way OpenEMR's portal does, so the patient's inbox lists it", async () => {
    const mail = new PortalMail(
      openemr.db,
      new AuditTrail(new AuditEventRepository(vigil)),
      'vigil',
      'America/New_York',
    );
    const at = new Date('2026-11-28T14:05:09Z');
    const sent = await mail.send(1, 'Connect your Fitbit', 'Please follow the link.', 'test', at);

    // The portal inbox query of portal/lib/portal_mail.inc.php (getPortalPatientNotes).
    const inbox = await openemr.db.run((sql) =>
      sql.select<Record<string, unknown>>(
        'SELECT * FROM onsite_mail AS p WHERE p.deleted != 1 AND p.owner = ? AND p.recipient_id = ? ORDER BY date DESC',
        ['mgarcia', 'mgarcia'],
      ),
    );
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({
      title: 'Connect your Fitbit',
      body: 'Please follow the link.',
      sender_id: 'vigil',
      sender_name: 'Vigil Service',
      recipient_name: 'Maria Garcia',
      user: 'vigil',
      groupname: 'Default',
      message_status: 'New',
    });
    expect(Number(inbox[0].id)).toBe(sent.patientCopyId);
    expect(Number(inbox[0].activity)).toBe(1);
    expect(Number(inbox[0].reply_mail_chain)).toBe(sent.senderCopyId);
    expect(String(inbox[0].date)).toBe('2026-11-28 09:05:09');

    // The sender's copy, as getPortalPatientSentNotes reads it for the service account.
    const sentBox = await openemr.db.run((sql) =>
      sql.select<{ id: number }>(
        "SELECT id FROM onsite_mail AS p WHERE p.sender_id = ? AND p.deleted != 1 AND p.owner = ? AND p.message_status != 'Done'",
        ['vigil', 'vigil'],
      ),
    );
    expect(sentBox.map((r) => Number(r.id))).toEqual([sent.senderCopyId]);

    const audited = await vigil.getRepository(AuditEvent).findBy({ subjectType: 'onsite_mail' });
    expect(audited.map((e) => [e.subjectId, e.pid])).toEqual([
      [String(sent.senderCopyId), 1],
      [String(sent.patientCopyId), 1],
    ]);
  });

  it('lets doctor check the connection and the service account', async () => {
    const env = (username: string) =>
      loadEnvironment({
        ENCRYPTION_KEYS: KeyRing.generateEntry('t'),
        OPENEMR_DATABASE_URL: openemr.url,
        OPENEMR_SERVICE_USERNAME: username,
      });
    const good = await diagnoseOpenEmr(env('vigil'));
    expect(good.every((f) => f.ok)).toBe(true);
    expect(good.map((f) => f.what)).toContain('Alerts are sent as OpenEMR user "vigil" (id 2)');
    const inactive = await diagnoseOpenEmr(env('drold'));
    expect(inactive.find((f) => !f.ok)?.what).toBe('OpenEMR user "drold" is inactive');
    const missing = await diagnoseOpenEmr(env('ghost'));
    expect(missing.find((f) => !f.ok)?.what).toMatch(/no user "ghost"/);
    const down = await diagnoseOpenEmr(
      env('vigil'),
      new OpenEmrDatabase(
        engine === 'sqlite'
          ? 'sqlite:/nonexistent/dir/openemr.sqlite'
          : 'mysql://root@127.0.0.1:1/openemr',
      ),
    );
    expect(down).toEqual([
      expect.objectContaining({ ok: false, what: "OpenEMR's database does not answer" }),
    ]);
  });

  it('refuses portal mail to a patient without a portal account, writing nothing', async () => {
    const mail = new PortalMail(
      openemr.db,
      new AuditTrail(new AuditEventRepository(vigil)),
      'vigil',
      'UTC',
    );
    await expect(mail.send(3, 'x', 'y')).rejects.toBeInstanceOf(PortalMailRefused);
    const rows = await openemr.db.run((sql) =>
      sql.select<{ n: number }>("SELECT COUNT(*) AS n FROM onsite_mail WHERE title = 'x'"),
    );
    expect(Number(rows[0].n)).toBe(0);
  });
});

describe('OpenEMR wall-clock times', () => {
  // 01:30 on the night clocks go back happens twice; either instant is a fair reading.
  it('round-trips through the clinic time zone, DST included', () => {
    for (const iso of ['2026-03-08T06:59:00Z', '2026-03-08T07:30:00Z', '2026-11-01T07:30:00Z']) {
      const wall = openEmrDateTime(new Date(iso), 'America/New_York');
      expect(instantOfOpenEmrDateTime(wall, 'America/New_York').toISOString()).toBe(
        new Date(iso).toISOString(),
      );
    }
  });
});
