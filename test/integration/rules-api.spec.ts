import { EventEmitter2 } from '@nestjs/event-emitter';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { DailyAggregates } from '../../src/aggregates/daily-aggregates.repository';
import { AuditEvent } from '../../src/audit/audit-event.entity';
import { ApiTokens } from '../../src/auth/api-tokens';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { Enrollment, EnrollmentStatus } from '../../src/patients/enrollment.entity';
import { EnrollmentRepository } from '../../src/patients/enrollment.repository';
import { ConnectionRepository } from '../../src/wearables/connection.repository';
import { WearableConnection } from '../../src/wearables/wearable-connection.entity';
import { MonitoredPatient, MonitoredPatients } from '../../src/rules/monitored-patients';
import { RuleOutcome } from '../../src/rules/rule-outcome.entity';
import {
  PATIENT_SYNCED,
  PATIENT_EVALUATED,
  PatientEvaluated,
  RulesEvaluated,
} from '../../src/events/contracts';
import { RuleEvaluations } from '../../src/rules/rule-evaluations.service';
import { buildDays, MetricColumns } from '../fixtures/rules/build-days';
import { addDays } from '../../src/time';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';

const STARTER = join(__dirname, '../../rules');
const FIXTURES = join(__dirname, '../fixtures/rules');

interface Fixture {
  start: string;
  sync: { lastSyncAt: string; lastDeviceSyncAt: string };
  metrics: MetricColumns;
}
const fixture = (rule: string, kind: string): Fixture =>
  JSON.parse(readFileSync(join(FIXTURES, rule, `${kind}.json`), 'utf8')) as Fixture;

const starterRule = (id: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(STARTER, `${id}.json`), 'utf8')) as Record<string, unknown>;

/** A clinician's own rule: 7-day mean steps under a threshold. */
const lowSteps = (threshold = 3000): Record<string, unknown> => ({
  id: 'low-steps',
  title: 'Low steps',
  description: 'Seven-day mean steps under a threshold; no published performance.',
  severity: 'info',
  params: { threshold },
  conditions: {
    all: [
      {
        name: 'steps',
        fact: 'window',
        params: { metric: 'steps', days: 7, minDays: 5 },
        operator: 'lessThan',
        value: { param: 'threshold' },
      },
    ],
  },
  forDays: 1,
  resolveAfterDays: 2,
  repeatAfterDays: 0,
  recipients: ['provider'],
  deliver: { channels: ['message'], reminderDueInDays: 1, priority: 'low' },
  inhibitedBy: ['monitoring-gap'],
  message: 'Mean steps {{steps}} under {{params.threshold}}. For clinician review.',
});

describe.each(testEngines())('rules API on %s', (engine) => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let rulesDir: string;
  let admin: string;
  let clinician: string;
  let clinicianId: number;
  let staff: string;

  let url: string;
  const api = () => request(url);

  beforeAll(async () => {
    rulesDir = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
    cpSync(STARTER, rulesDir, { recursive: true });
    db = await freshDatabase(engine, { RULES_DIR: rulesDir });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    url = vigil.url ?? '';
    const tokens = vigil.app.get(ApiTokens);
    admin = (await tokens.issue('admin', 'admin', 'test')).token;
    const issued = await tokens.issue('clinician', 'Dr Rivera', 'test');
    clinician = issued.token;
    clinicianId = issued.record.id;
    staff = (await tokens.issue('staff', 'front desk', 'test')).token;
  });

  afterAll(async () => {
    await vigil.shutdown('test finished');
    await db.drop();
    rmSync(rulesDir, { recursive: true, force: true });
  });

  it('syncs the starter library at start and lets staff read it, but not anonymous callers', async () => {
    await api().get('/api/v1/rules').expect(401);
    const res = await api().get('/api/v1/rules').auth(staff, { type: 'bearer' }).expect(200);
    expect(res.body.map((r: { id: string; version: number }) => [r.id, r.version])).toEqual([
      ['activity-drop', 1],
      ['heart-failure-weight-gain', 1],
      ['hrv-drop', 1],
      ['low-oxygen-saturation', 1],
      ['monitoring-gap', 1],
      ['resting-hr-rise', 1],
      ['sleep-deficit', 1],
    ]);
    expect(res.body[0]).toMatchObject({ origin: 'file', enabledByDefault: true, programs: [] });
    const schema = await api()
      .get('/api/v1/rules/schema')
      .auth(staff, { type: 'bearer' })
      .expect(200);
    expect(schema.body.$schema).toContain('2020-12');
  });

  it('validates without saving and reports JSON paths', async () => {
    const bad = { ...lowSteps(), params: { threshold: '3000' } };
    await api()
      .post('/api/v1/rules/validate')
      .auth(staff, { type: 'bearer' })
      .send(bad)
      .expect(403);
    const res = await api()
      .post('/api/v1/rules/validate')
      .auth(clinician, { type: 'bearer' })
      .send(bad)
      .expect(200);
    expect(res.body.valid).toBe(false);
    expect(res.body.errors).toContainEqual({
      path: '$.params.threshold',
      message: 'must be a number, not the text "3000"; write it without quotes',
    });
    const good = await api()
      .post('/api/v1/rules/validate')
      .auth(clinician, { type: 'bearer' })
      .send(lowSteps())
      .expect(200);
    expect(good.body).toEqual({ valid: true, errors: [], warnings: [] });
    await api().get('/api/v1/rules/low-steps').auth(staff, { type: 'bearer' }).expect(404);
  });

  it('creates a rule, refuses staff, duplicates and invalid rules with their paths', async () => {
    await api().post('/api/v1/rules').auth(staff, { type: 'bearer' }).send(lowSteps()).expect(403);
    const invalid = await api()
      .post('/api/v1/rules')
      .auth(clinician, { type: 'bearer' })
      .send({ ...lowSteps(), inhibitedBy: ['no-such-rule'] })
      .expect(400);
    expect(invalid.body).toMatchObject({
      code: 'invalid_request',
      errors: [
        {
          path: '$.inhibitedBy[0]',
          message: 'names the rule "no-such-rule", which Vigil does not hold',
        },
      ],
    });
    const created = await api()
      .post('/api/v1/rules')
      .auth(clinician, { type: 'bearer' })
      .send(lowSteps())
      .expect(201);
    expect(created.body).toMatchObject({
      id: 'low-steps',
      version: 1,
      origin: 'api',
      enabledByDefault: false,
    });
    await api()
      .post('/api/v1/rules')
      .auth(clinician, { type: 'bearer' })
      .send(lowSteps())
      .expect(409);
  });

  it('versions every change with who, when and a diff, and keeps old versions readable', async () => {
    const changed = await api()
      .put('/api/v1/rules/low-steps')
      .auth(clinician, { type: 'bearer' })
      .send(lowSteps(2500))
      .expect(200);
    expect(changed.body.version).toBe(2);
    const same = await api()
      .put('/api/v1/rules/low-steps')
      .auth(admin, { type: 'bearer' })
      .send(lowSteps(2500))
      .expect(200);
    expect(same.body.version).toBe(2);
    const mismatch = await api()
      .put('/api/v1/rules/resting-hr-rise')
      .auth(clinician, { type: 'bearer' })
      .send(lowSteps())
      .expect(400);
    expect(mismatch.body.errors[0].path).toBe('$.id');

    const history = await api()
      .get('/api/v1/rules/low-steps/versions')
      .auth(staff, { type: 'bearer' })
      .expect(200);
    expect(history.body).toEqual([
      expect.objectContaining({
        version: 2,
        source: 'api',
        createdBy: `token:${clinicianId}`,
        changes: [{ path: '$.params.threshold', before: 3000, after: 2500 }],
      }),
      expect.objectContaining({ version: 1, changes: null }),
    ]);
    const first = await api()
      .get('/api/v1/rules/low-steps/versions/1')
      .auth(staff, { type: 'bearer' })
      .expect(200);
    expect(first.body.params).toEqual({ threshold: 3000 });
    await api()
      .get('/api/v1/rules/low-steps/versions/9')
      .auth(staff, { type: 'bearer' })
      .expect(404);

    const audit = await vigil.app
      .get(DataSource)
      .getRepository(AuditEvent)
      .find({ where: { subjectId: 'low-steps' }, order: { id: 'ASC' } });
    expect(audit.map((e) => [e.action, e.actor])).toEqual([
      ['rule.created', `token:${clinicianId}`],
      ['rule.updated', `token:${clinicianId}`],
    ]);
  });

  it('switches rules per program and validates program overrides', async () => {
    const bad = await api()
      .put('/api/v1/rules/low-steps/programs/cardiac-rehab')
      .auth(clinician, { type: 'bearer' })
      .send({ enabled: true, params: { thresold: 2000 } })
      .expect(400);
    expect(bad.body.errors).toEqual([
      {
        path: '$.params.thresold',
        message: 'is not a param of rule "low-steps"; it has threshold',
      },
    ]);
    await api()
      .put('/api/v1/rules/low-steps/programs/cardiac-rehab')
      .auth(staff, { type: 'bearer' })
      .send({ enabled: true })
      .expect(403);
    const ok = await api()
      .put('/api/v1/rules/low-steps/programs/cardiac-rehab')
      .auth(clinician, { type: 'bearer' })
      .send({ enabled: true, params: { threshold: 2000 } })
      .expect(200);
    expect(ok.body.programs).toEqual([
      expect.objectContaining({
        program: 'cardiac-rehab',
        enabled: true,
        params: { threshold: 2000 },
      }),
    ]);
    await api()
      .put('/api/v1/rules/sleep-deficit/programs/cardiac-rehab')
      .auth(clinician, { type: 'bearer' })
      .send({ enabled: false })
      .expect(200);
  });

  it('sets per-patient overrides, validated and audited', async () => {
    // Overrides and backtests are about an enrolled patient (paused: not in the watched list below).
    const now = new Date();
    await vigil.app.get(DataSource).getRepository(Enrollment).insert({
      pid: 1001,
      program: null,
      status: 'paused',
      timeZone: 'UTC',
      syncIntervalMinutes: 60,
      createdAt: now,
      createdBy: 'test',
      updatedAt: now,
      endedAt: null,
    });
    const bad = await api()
      .put('/api/v1/patients/1001/rules/resting-hr-rise/params')
      .auth(clinician, { type: 'bearer' })
      .send({ deltaBpm: '6', baselineDays: 3 })
      .expect(400);
    expect(bad.body.errors).toEqual(
      expect.arrayContaining([
        {
          path: '$.deltaBpm',
          message: 'must be a number, not the text "6"; write it without quotes',
        },
      ]),
    );
    // The rule's range binds overrides: refused where the value was given, in the rule's unit.
    const high = await api()
      .put('/api/v1/patients/1001/rules/resting-hr-rise/params')
      .auth(clinician, { type: 'bearer' })
      .send({ deltaBpm: 25 })
      .expect(400);
    expect(high.body.errors).toEqual([
      { path: '$.deltaBpm', message: 'is 25, outside the allowed 1 to 20 bpm' },
    ]);
    const program = await api()
      .put('/api/v1/rules/resting-hr-rise/programs/cardiology')
      .auth(clinician, { type: 'bearer' })
      .send({ params: { deltaBpm: 0 } })
      .expect(400);
    expect(program.body.errors).toEqual([
      { path: '$.params.deltaBpm', message: 'is 0, outside the allowed 1 to 20 bpm' },
    ]);
    await api()
      .put('/api/v1/patients/1001/rules/resting-hr-rise/params')
      .auth(staff, { type: 'bearer' })
      .send({ deltaBpm: 6 })
      .expect(403);
    await api()
      .put('/api/v1/patients/1001/rules/resting-hr-rise/params')
      .auth(clinician, { type: 'bearer' })
      .send({ deltaBpm: 6 })
      .expect(200, { pid: 1001, rule: 'resting-hr-rise', params: { deltaBpm: 6 } });
    const listed = await api()
      .get('/api/v1/patients/1001/rules/params')
      .auth(staff, { type: 'bearer' })
      .expect(200);
    expect(listed.body).toEqual([{ rule: 'resting-hr-rise', params: { deltaBpm: 6 } }]);
    const audit = await vigil.app
      .get(DataSource)
      .getRepository(AuditEvent)
      .findOneByOrFail({ action: 'rule.patient_params_changed' });
    expect([Number(audit.pid), JSON.parse(audit.details ?? '{}')]).toEqual([
      1001,
      { params: { deltaBpm: 6 } },
    ]);
    // Back to the defaults for the evaluation tests below.
    await api()
      .put('/api/v1/patients/1001/rules/resting-hr-rise/params')
      .auth(clinician, { type: 'bearer' })
      .send({})
      .expect(200);
  });

  it('reloads the folder: an edited file is a new version, a bad file keeps its last good one', async () => {
    const sleep = starterRule('sleep-deficit');
    writeFileSync(
      join(rulesDir, 'sleep-deficit.json'),
      JSON.stringify({ ...sleep, params: { ...(sleep.params as object), minutesAsleep: 400 } }),
    );
    writeFileSync(
      join(rulesDir, 'hrv-drop.json'),
      JSON.stringify({ ...starterRule('hrv-drop'), severity: 'loud' }),
    );
    await api().post('/api/v1/rules/reload').auth(staff, { type: 'bearer' }).expect(403);
    const res = await api()
      .post('/api/v1/rules/reload')
      .auth(clinician, { type: 'bearer' })
      .expect(200);
    expect(res.body.changed).toEqual([{ id: 'sleep-deficit', version: 2 }]);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ file: 'hrv-drop.json', path: '$.severity' }),
    ]);
    const hrv = await api()
      .get('/api/v1/rules/hrv-drop')
      .auth(staff, { type: 'bearer' })
      .expect(200);
    expect([hrv.body.version, hrv.body.definition.severity]).toEqual([1, 'info']);
    const again = await api()
      .post('/api/v1/rules/reload')
      .auth(admin, { type: 'bearer' })
      .expect(200);
    expect(again.body.changed).toEqual([]);
    writeFileSync(join(rulesDir, 'sleep-deficit.json'), JSON.stringify(sleep, null, 2));
    writeFileSync(
      join(rulesDir, 'hrv-drop.json'),
      JSON.stringify(starterRule('hrv-drop'), null, 2),
    );
    await api().post('/api/v1/rules/reload').auth(admin, { type: 'bearer' }).expect(200);
  });

  it('watches active and needs-reconsent enrollments, in their own time zone or the clinic’s', async () => {
    const now = new Date();
    const enrollment = (pid: number, status: EnrollmentStatus, timeZone: string | null) => ({
      pid,
      program: 'cardiac-rehab',
      status,
      timeZone,
      syncIntervalMinutes: 60,
      createdAt: now,
      createdBy: 'test',
      updatedAt: now,
      endedAt: null,
    });
    await vigil.app
      .get(DataSource)
      .getRepository(Enrollment)
      .insert([
        enrollment(2001, 'active', 'Europe/Paris'),
        enrollment(2002, 'needs_reconsent', null),
        enrollment(2003, 'paused', null),
      ]);
    const paris = (await vigil.app.get(EnrollmentRepository).byPid(2001))!;
    const connectedAt = new Date('2026-11-01T08:00:00Z');
    const lastSyncAt = new Date('2026-11-19T08:00:00Z');
    await vigil.app.get(DataSource).getRepository(WearableConnection).insert({
      enrollmentId: paris.id,
      provider: 'google-health',
      healthUserId: 'user-2001',
      grantedScopes: 'every scope',
      refreshFailures: 0,
      connectedAt,
      lastSyncAt,
    });
    const watched = await vigil.app.get(MonitoredPatients).activePatients();
    expect(
      watched.map((p) => [
        p.pid,
        p.program,
        p.timeZone,
        p.connectedAt,
        p.lastSyncAt,
        p.lastDeviceSyncAt,
      ]),
    ).toEqual([
      [2001, 'cardiac-rehab', 'Europe/Paris', connectedAt, lastSyncAt, null],
      [2002, 'cardiac-rehab', 'UTC', null, null, null],
    ]);
    expect(await vigil.app.get(MonitoredPatients).patient(2003)).toMatchObject({ pid: 2003 });
    // A few patients without listing every one: the paused and the unknown are not watched.
    expect(await vigil.app.get(MonitoredPatients).watchedAmong([2003, 2001, 9999])).toEqual([
      watched[0],
    ]);
    // The whole cohort is listed: only the columns evaluation reads, no scopes or token pointers.
    const read = (row: object) =>
      Object.entries(row)
        .filter(([, value]) => value !== undefined)
        .map(([key]) => key)
        .sort();
    const [listed] = await vigil.app.get(EnrollmentRepository).watched(['active']);
    expect(read(listed)).toEqual(['id', 'pid', 'program', 'timeZone']);
    const [times] = await vigil.app.get(ConnectionRepository).syncTimesOf([paris.id]);
    expect(read(times)).toEqual([
      'connectedAt',
      'enrollmentId',
      'id',
      'lastDeviceSyncAt',
      'lastSyncAt',
    ]);
  });

  describe('evaluation', () => {
    const fires = fixture('resting-hr-rise', 'fires');
    const patient: MonitoredPatient = {
      pid: 1001,
      program: 'cardiac-rehab',
      timeZone: 'UTC',
      lastSyncAt: new Date(fires.sync.lastSyncAt),
      lastDeviceSyncAt: new Date(fires.sync.lastDeviceSyncAt),
    };
    const events: RulesEvaluated[] = [];

    beforeAll(async () => {
      await vigil.app.get(DailyAggregates).upsert(1001, buildDays(fires.start, fires.metrics));
      vigil.app
        .get(EventEmitter2)
        .on(PATIENT_EVALUATED, (event: PatientEvaluated) => events.push(...event.days));
    });

    it('stores one outcome per rule version and date, idempotently, and announces it', async () => {
      const evaluations = vigil.app.get(RuleEvaluations);
      const run = await evaluations.evaluate([{ patient, dates: ['2026-02-14'] }]);
      await evaluations.evaluate([{ patient, dates: ['2026-02-14'] }]);
      // cardiac-rehab: 6 starter rules (sleep-deficit off) + low-steps (on for the program).
      expect(run).toMatchObject({ patients: 1, outcomes: 7 });
      const rows = await vigil.app.get(DataSource).getRepository(RuleOutcome).findBy({ pid: 1001 });
      expect(rows).toHaveLength(7);
      expect(rows.map((r) => r.ruleId).sort()).not.toContain('sleep-deficit');
      expect(events).toHaveLength(2);
      const rise = events[0].outcomes.find((o) => o.rule === 'resting-hr-rise');
      expect(rise).toMatchObject({ ruleVersion: 1, result: 'true' });
      expect(rise?.facts).toMatchObject({ daysAboveBaseline: 2, restingHr: 66, baseline: 60 });
      expect(events[0].outcomes.find((o) => o.rule === 'low-steps')).toMatchObject({
        ruleVersion: 2,
        result: 'insufficient_data',
      });
    });

    it('serves a patient’s outcomes to staff', async () => {
      const res = await api()
        .get('/api/v1/patients/1001/outcomes?from=2026-02-01&to=2026-02-28&rule=resting-hr-rise')
        .auth(staff, { type: 'bearer' })
        .expect(200);
      expect(res.body).toEqual([
        expect.objectContaining({
          date: '2026-02-14',
          rule: 'resting-hr-rise',
          ruleVersion: 1,
          result: 'true',
          facts: expect.objectContaining({ daysAboveBaseline: 2 }),
          message: expect.stringContaining('Resting heart rate 66 bpm'),
        }),
      ]);
      expect(Math.abs(Date.parse(res.body[0].evaluatedAt) - Date.now())).toBeLessThan(600_000);
      await api().get('/api/v1/patients/1001/outcomes').expect(401);
      await api()
        .get('/api/v1/patients/1001/outcomes?from=yesterday')
        .auth(staff, { type: 'bearer' })
        .expect(400);
    });

    it('evaluates complete days after patient.synced and the daily run catches up once', async () => {
      const monitored = vigil.app.get(MonitoredPatients);
      jest.spyOn(monitored, 'patient').mockResolvedValue(patient);
      jest.spyOn(monitored, 'activePatients').mockResolvedValue([patient]);
      const evaluations = vigil.app.get(RuleEvaluations);
      const now = new Date('2026-02-15T10:00:00Z');
      const synced = await evaluations.evaluateSynced(
        { pid: 1001, dates: ['2026-02-01', '2026-02-13', '2026-02-15'] },
        now,
      );
      // 02-01 is too old to act on, 02-15 is not over yet; the week's other days
      // with aggregates and no outcome come along in the same run (02-14 was
      // evaluated above): 6 days x 7 rules.
      expect(synced).toMatchObject({ patients: 1, outcomes: 42 });
      const dates = await vigil.app
        .get(DataSource)
        .getRepository(RuleOutcome)
        .find({ where: { pid: 1001, ruleId: 'resting-hr-rise' }, order: { date: 'ASC' } });
      expect(dates.map((d) => [d.date, d.result])).toEqual([
        ['2026-02-08', 'false'],
        ['2026-02-09', 'false'],
        ['2026-02-10', 'false'],
        ['2026-02-11', 'false'],
        ['2026-02-12', 'false'],
        ['2026-02-13', 'false'],
        ['2026-02-14', 'true'],
      ]);
      // 10:00 UTC is past EVALUATION_HOUR (6): 02-14 is due and already evaluated.
      expect(await evaluations.runDaily(now)).toMatchObject({ patients: 0 });
      const next = await evaluations.runDaily(new Date('2026-02-16T07:00:00Z'));
      expect(next).toMatchObject({ patients: 1, outcomes: 7 });
      expect(await evaluations.runDaily(new Date('2026-02-16T08:00:00Z'))).toMatchObject({
        patients: 0,
      });
      events.length = 0;
      const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      vigil.app.get(EventEmitter2).emit(PATIENT_SYNCED, { pid: 1001, dates: [yesterday] });
      for (let i = 0; i < 50 && events.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(events.map((e) => [e.pid, e.date])).toEqual([[1001, yesterday]]);
      jest.restoreAllMocks();
    });

    it('backtests a saved rule and a draft without writing anything', async () => {
      const ds = vigil.app.get(DataSource);
      const before = await ds.getRepository(RuleOutcome).count();
      await api()
        .post('/api/v1/rules/resting-hr-rise/backtest')
        .auth(staff, { type: 'bearer' })
        .send({ pid: 1001, from: '2026-02-01', to: '2026-02-14' })
        .expect(403);
      const saved = await api()
        .post('/api/v1/rules/resting-hr-rise/backtest')
        .auth(clinician, { type: 'bearer' })
        .send({ pid: 1001, from: '2026-02-01', to: '2026-02-14' })
        .expect(200);
      expect(saved.body.rule).toEqual({ id: 'resting-hr-rise', version: 1, draft: false });
      expect(saved.body.patients[0].episodes).toEqual([
        {
          start: '2026-02-14',
          firedOn: '2026-02-14',
          notifiedOn: '2026-02-14',
          end: null,
          alertDays: 1,
          peak: { date: '2026-02-14', facts: expect.objectContaining({ daysAboveBaseline: 2 }) },
        },
      ]);
      expect(saved.body.summary).toMatchObject({ patients: 1, patientsAlerted: 1, alertDays: 1 });
      // Every day of that range is complete.
      expect(saved.body.partialFrom).toBeNull();
      // A range reaching the patient's today (UTC) says that day is still being measured.
      const today = new Date().toISOString().slice(0, 10);
      const untilToday = await api()
        .post('/api/v1/rules/resting-hr-rise/backtest')
        .auth(clinician, { type: 'bearer' })
        .send({ pid: 1001, from: addDays(today, -13), to: today })
        .expect(200);
      expect([untilToday.body.to, untilToday.body.partialFrom]).toEqual([today, today]);

      const draft = {
        ...starterRule('resting-hr-rise'),
        params: { ...(starterRule('resting-hr-rise').params as object), deltaBpm: 10 },
      };
      const tried = await api()
        .post('/api/v1/rules/resting-hr-rise/backtest')
        .auth(clinician, { type: 'bearer' })
        .send({ pid: 1001, from: '2026-02-01', to: '2026-02-14', rule: draft })
        .expect(200);
      expect([tried.body.rule.draft, tried.body.summary.patientsAlerted]).toEqual([true, 0]);

      const badDraft = await api()
        .post('/api/v1/rules/resting-hr-rise/backtest')
        .auth(clinician, { type: 'bearer' })
        .send({ pid: 1001, from: '2026-02-01', to: '2026-02-14', rule: { ...draft, forDays: 0 } })
        .expect(400);
      expect(badDraft.body.errors[0].path).toBe('$.rule.forDays');
      const tooLong = await api()
        .post('/api/v1/rules/resting-hr-rise/backtest')
        .auth(clinician, { type: 'bearer' })
        .send({ pid: 1001, from: '2025-01-01', to: '2026-02-14' })
        .expect(400);
      expect(tooLong.body.errors[0]).toMatchObject({ path: 'to' });
      expect(await ds.getRepository(RuleOutcome).count()).toBe(before);
    });
  });
});
