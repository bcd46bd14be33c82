import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In } from 'typeorm';
import { RuleDefinition } from './rule-definition';
import { RuleOrigin, StoredRule, StoredRuleVersion } from './rule.entity';
import { PatientRuleParams, RuleProgramSetting } from './rule-settings.entity';
import { RuleChange } from './versions/rule-diff';
import { withNamedLock } from '../database/named-lock';
import { RawColumns } from '../database/raw-columns';
import { inTransaction } from '../database/transactions';

/** A rule with the definition of its version in force. */
export interface RuleInForce {
  rule: StoredRule;
  definition: RuleDefinition;
}

export interface NewRuleVersion {
  ruleId: string;
  definition: RuleDefinition;
  /** null for the first version. */
  diff: RuleChange[] | null;
  source: RuleOrigin;
  createdBy: string;
}

export const parseParams = (json: string | null): Record<string, number> =>
  json === null ? {} : (JSON.parse(json) as Record<string, number>);

/** Reads and writes rules, their versions, and program and patient settings. */
@Injectable()
export class RuleStore {
  private params?: RawColumns<PatientRuleParams, keyof PatientRuleParams & string>;

  constructor(private readonly dataSource: DataSource) {}

  /** Every column of patient_rule_params, made on first use. */
  private get paramColumns(): RawColumns<PatientRuleParams, keyof PatientRuleParams & string> {
    return (this.params ??= RawColumns.all(this.dataSource, PatientRuleParams));
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return inTransaction(this.dataSource, work);
  }

  /** Rule changes that must not interleave across processes (see withNamedLock). */
  withLock<T>(name: string, waitSeconds: number, work: () => Promise<T>): Promise<T | null> {
    return withNamedLock(this.dataSource, name, waitSeconds, work);
  }

  async rulesInForce(): Promise<RuleInForce[]> {
    const rules = await this.dataSource.getRepository(StoredRule).find({ order: { id: 'ASC' } });
    if (rules.length === 0) return [];
    const versions = await this.dataSource
      .getRepository(StoredRuleVersion)
      .createQueryBuilder('v')
      .innerJoin(StoredRule, 'r', 'r.id = v.rule_id AND r.current_version = v.version')
      .getMany();
    const definitions = new Map(versions.map((v) => [v.ruleId, JSON.parse(v.definition)]));
    return rules.flatMap((rule) => {
      const definition = definitions.get(rule.id) as RuleDefinition | undefined;
      return definition ? [{ rule, definition }] : [];
    });
  }

  find(id: string, manager: EntityManager = this.dataSource.manager): Promise<StoredRule | null> {
    return manager.getRepository(StoredRule).findOneBy({ id });
  }

  versions(ruleId: string): Promise<StoredRuleVersion[]> {
    return this.dataSource
      .getRepository(StoredRuleVersion)
      .find({ where: { ruleId }, order: { version: 'DESC' } });
  }

  version(
    ruleId: string,
    version: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<StoredRuleVersion | null> {
    return manager.getRepository(StoredRuleVersion).findOneBy({ ruleId, version });
  }

  /** These versions (each a rule id and version number), in the caller's transaction. */
  async someVersions(
    wanted: readonly { ruleId: string; version: number }[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<StoredRuleVersion[]> {
    if (wanted.length === 0) return [];
    return manager
      .getRepository(StoredRuleVersion)
      .find({ where: wanted.map(({ ruleId, version }) => ({ ruleId, version })) });
  }

  /** The newest version synced from the rules folder, to tell a file edit from an API edit. */
  latestFromFile(ruleId: string, manager: EntityManager): Promise<StoredRuleVersion | null> {
    return manager
      .getRepository(StoredRuleVersion)
      .findOne({ where: { ruleId, source: 'file' }, order: { version: 'DESC' } });
  }

  /**
   * Appends a version and makes it current. Two writers racing on one rule
   * collide on the unique (rule_id, version) key: the later one fails.
   */
  async addVersion(change: NewRuleVersion, manager: EntityManager): Promise<number> {
    const now = new Date();
    const rules = manager.getRepository(StoredRule);
    const existing = await rules.findOneBy({ id: change.ruleId });
    const version = (existing?.currentVersion ?? 0) + 1;
    await manager.getRepository(StoredRuleVersion).insert({
      ruleId: change.ruleId,
      version,
      definition: JSON.stringify(change.definition),
      diff: change.diff === null ? null : JSON.stringify(change.diff),
      source: change.source,
      createdBy: change.createdBy,
      createdAt: now,
    });
    if (existing) {
      await rules.update({ id: change.ruleId }, { currentVersion: version, updatedAt: now });
    } else {
      await rules.insert({
        id: change.ruleId,
        currentVersion: version,
        origin: change.source,
        createdAt: now,
        updatedAt: now,
      });
    }
    return version;
  }

  programSettings(ruleIds?: readonly string[]): Promise<RuleProgramSetting[]> {
    return this.dataSource.getRepository(RuleProgramSetting).find({
      where: ruleIds ? { ruleId: In([...ruleIds]) } : {},
      order: { ruleId: 'ASC', program: 'ASC' },
    });
  }

  async saveProgramSetting(
    setting: Pick<RuleProgramSetting, 'ruleId' | 'program' | 'enabled' | 'params' | 'updatedBy'>,
    manager: EntityManager,
  ): Promise<void> {
    await manager
      .getRepository(RuleProgramSetting)
      .upsert(
        { ...setting, updatedAt: new Date() },
        { conflictPaths: ['ruleId', 'program'], skipUpdateIfNoValuesChanged: false },
      );
  }

  /** Hand-written (raw-columns.ts): every evaluation after a sync asks. */
  async patientParams(pids: readonly number[]): Promise<PatientRuleParams[]> {
    if (pids.length === 0) return [];
    const columns = this.paramColumns;
    const only = columns.where({ pid: In([...pids]) });
    const rows = (await this.dataSource.query(
      `SELECT ${columns.selection} FROM ${columns.table} WHERE ${only.sql} ORDER BY ${columns.name('ruleId')} ASC`,
      only.parameters,
    )) as Record<string, unknown>[];
    return rows.map((row) => columns.entity(row));
  }

  async savePatientParams(
    pid: number,
    ruleId: string,
    params: Record<string, number>,
    updatedBy: string,
    manager: EntityManager,
  ): Promise<void> {
    const repository = manager.getRepository(PatientRuleParams);
    if (Object.keys(params).length === 0) {
      await repository.delete({ pid, ruleId });
      return;
    }
    await repository.upsert(
      { pid, ruleId, params: JSON.stringify(params), updatedBy, updatedAt: new Date() },
      { conflictPaths: ['pid', 'ruleId'], skipUpdateIfNoValuesChanged: false },
    );
  }

  /**
   * Everything that decides which rules run where, as text: each rule's id,
   * version in force and origin, with every program's switch and params. One
   * plain query (no entity mapping) of a few rows; the text changes exactly
   * when any of these change, in whichever process changed them, whatever the
   * processes' clocks.
   */
  async fingerprint(): Promise<string> {
    // Ordered here: MariaDB sorts a join's rows through a temporary table, several times
    // the cost of the query itself, and every sync asks.
    const rows = (await this.dataSource.query(
      `SELECT r.id, r.current_version, r.origin, p.program, p.enabled, p.params
         FROM rules r LEFT JOIN rule_programs p ON p.rule_id = r.id`,
    )) as Record<string, unknown>[];
    const texts = rows.map((row) => JSON.stringify(Object.values(row)));
    return JSON.stringify(texts.sort());
  }
}
