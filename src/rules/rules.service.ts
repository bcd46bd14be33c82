import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { AuditTrail } from '../audit/audit-trail';
import { Environment } from '../config/environment';
import { InvalidInputException } from '../http/problem.filter';
import { OpenEmrDatabase } from '../openemr/openemr-database';
import { OpenEmrDirectory } from '../openemr/openemr-directory';
import { loadRuleDirectory, RuleFileError } from './loader/load-rule-directory';
import { RuleDefinition } from './rule-definition';
import { StoredRule, StoredRuleVersion } from './rule.entity';
import { RuleProgramSetting } from './rule-settings.entity';
import { parseParams, RuleInForce, RuleStore } from './rule-store.repository';
import { isDuplicateKey } from '../database/errors';
import { childPath, RuleError } from './validation/rule-error';
import {
  RuleValidationOptions,
  validateParamOverrides,
  validateRule,
} from './validation/validate-rule';
import { ruleWarnings, type RuleWarning } from './validation/rule-warnings';
import { diffRules, RuleChange } from './versions/rule-diff';

export interface ProgramView {
  program: string;
  /** null: the rule's default for programs (see `enabledByDefault`). */
  enabled: boolean | null;
  params: Record<string, number>;
  updatedBy: string;
  updatedAt: Date;
}

export interface RuleView {
  id: string;
  version: number;
  origin: StoredRule['origin'];
  /** Rules from the folder run for every program unless disabled; API rules only where enabled. */
  enabledByDefault: boolean;
  updatedAt: Date;
  programs: ProgramView[];
  definition: RuleDefinition;
}

export interface RuleVersionView {
  version: number;
  source: StoredRuleVersion['source'];
  createdBy: string;
  createdAt: Date;
  changes: RuleChange[] | null;
}

/** What syncing the rules folder found and did. */
export interface FolderSync {
  directory: string;
  /** Rules whose file differs from the last version synced from it (new versions, unless a dry run). */
  changed: { id: string; version: number }[];
  unchanged: string[];
  /** Bad files: their rules keep running at their last good version. */
  errors: RuleFileError[];
  /** Good files asking for what this installation cannot do (see rule-warnings.ts). */
  warnings: RuleFileError[];
}

const SYNC_LOCK = 'vigil_rules_sync';
const SYNC_LOCK_WAIT_SECONDS = 60;

function invalid(errors: RuleError[], message = 'The rule is not valid'): InvalidInputException {
  return new InvalidInputException(errors, message);
}

/** Rules, their versions and their program and patient settings; every change audited. */
@Injectable()
export class RulesService {
  constructor(
    private readonly store: RuleStore,
    private readonly audit: AuditTrail,
    private readonly env: Environment,
    private readonly openEmr: OpenEmrDatabase,
    private readonly directory: OpenEmrDirectory,
  ) {}

  /**
   * Validation errors of a candidate rule, checking rule names against the rules
   * Vigil holds and, when OpenEMR is configured, users and groups against OpenEMR.
   */
  async check(
    candidate: unknown,
  ): Promise<{ rule: RuleDefinition | null; errors: RuleError[]; warnings: RuleWarning[] }> {
    const validation = validateRule(candidate, await this.recipientsKnown(candidate));
    if (!validation.rule) return { ...validation, warnings: [] };
    const known = new Set((await this.store.rulesInForce()).map(({ rule }) => rule.id));
    known.add(validation.rule.id);
    const errors = validation.rule.inhibitedBy.flatMap((id, i) =>
      known.has(id)
        ? []
        : [
            {
              path: `$.inhibitedBy[${i}]`,
              message: `names the rule "${id}", which Vigil does not hold`,
            },
          ],
    );
    return errors.length > 0
      ? { rule: null, errors, warnings: [] }
      : { ...validation, warnings: ruleWarnings(validation.rule, this.env.openEmrMode) };
  }

  /** The candidate's `user:` and `group:` recipients that OpenEMR knows (a group with members). */
  private async recipientsKnown(candidate: unknown): Promise<RuleValidationOptions> {
    if (!this.openEmr.isConfigured) return {};
    const recipients = (candidate as { recipients?: unknown } | null)?.recipients;
    const named = Array.isArray(recipients) ? recipients.filter((r) => typeof r === 'string') : [];
    const users = named.filter((r) => r.startsWith('user:')).map((r) => r.slice('user:'.length));
    const groups = named.filter((r) => r.startsWith('group:')).map((r) => r.slice('group:'.length));
    const [found, members] = await Promise.all([
      this.directory.findUsersByUsername(users),
      this.directory.groupMembers(groups),
    ]);
    return {
      directory: {
        users: new Set(found.keys()),
        groups: new Set([...members].filter(([, list]) => list.length > 0).map(([group]) => group)),
      },
    };
  }

  async list(): Promise<RuleView[]> {
    const [rules, settings] = await Promise.all([
      this.store.rulesInForce(),
      this.store.programSettings(),
    ]);
    return rules.map((rule) => view(rule, settings));
  }

  async get(id: string): Promise<RuleView> {
    const found = (await this.store.rulesInForce()).find(({ rule }) => rule.id === id);
    if (!found) throw new NotFoundException(`No rule with id ${id}`);
    return view(found, await this.store.programSettings([id]));
  }

  async history(id: string): Promise<RuleVersionView[]> {
    const versions = await this.store.versions(id);
    if (versions.length === 0) throw new NotFoundException(`No rule with id ${id}`);
    return versions.map((v) => ({
      version: v.version,
      source: v.source,
      createdBy: v.createdBy,
      createdAt: v.createdAt,
      changes: v.diff === null ? null : (JSON.parse(v.diff) as RuleChange[]),
    }));
  }

  async version(id: string, version: number): Promise<RuleDefinition> {
    const found = await this.store.version(id, version);
    if (!found) throw new NotFoundException(`Rule ${id} has no version ${version}`);
    return JSON.parse(found.definition) as RuleDefinition;
  }

  async create(candidate: unknown, actor: string): Promise<RuleView> {
    const { rule, errors } = await this.check(candidate);
    if (!rule) throw invalid(errors);
    await this.store.transaction(async (manager) => {
      if (await this.store.find(rule.id, manager)) {
        throw new ConflictException(`A rule with id ${rule.id} exists; change it with PUT`);
      }
      const version = await this.guarded(() =>
        this.store.addVersion(
          { ruleId: rule.id, definition: rule, diff: null, source: 'api', createdBy: actor },
          manager,
        ),
      );
      await this.audit.record(
        {
          actor,
          action: 'rule.created',
          subjectType: 'rule',
          subjectId: rule.id,
          details: { version },
        },
        manager,
      );
    });
    return this.get(rule.id);
  }

  /** A new version when the rule changed; the same version when it did not. */
  async update(id: string, candidate: unknown, actor: string): Promise<RuleView> {
    const { rule, errors } = await this.check(candidate);
    if (!rule) throw invalid(errors);
    if (rule.id !== id) {
      throw invalid([
        { path: '$.id', message: `is "${rule.id}" but the address names rule "${id}"` },
      ]);
    }
    await this.store.transaction(async (manager) => {
      const stored = await this.store.find(id, manager);
      if (!stored) throw new NotFoundException(`No rule with id ${id}; create it with POST`);
      const current = await this.store.version(id, stored.currentVersion, manager);
      const changes = diffRules(JSON.parse(current?.definition ?? 'null'), rule);
      if (changes.length === 0) return;
      const version = await this.guarded(() =>
        this.store.addVersion(
          { ruleId: id, definition: rule, diff: changes, source: 'api', createdBy: actor },
          manager,
        ),
      );
      await this.audit.record(
        {
          actor,
          action: 'rule.updated',
          subjectType: 'rule',
          subjectId: id,
          details: { version, changed: changes.map((change) => change.path) },
        },
        manager,
      );
    });
    return this.get(id);
  }

  /** Switches a rule on or off for a program and sets the program's param overrides. */
  async setProgram(
    id: string,
    program: string,
    change: { enabled?: boolean | null; params?: Record<string, unknown> },
    actor: string,
  ): Promise<RuleView> {
    const { definition } = await this.inForce(id);
    const existing = (await this.store.programSettings([id])).find((s) => s.program === program);
    const params =
      change.params === undefined
        ? parseParams(existing?.params ?? null)
        : this.overrides(definition, change.params, '$.params');
    const enabled = change.enabled === undefined ? (existing?.enabled ?? null) : change.enabled;
    await this.store.transaction(async (manager) => {
      await this.store.saveProgramSetting(
        {
          ruleId: id,
          program,
          enabled,
          params: Object.keys(params).length === 0 ? null : JSON.stringify(params),
          updatedBy: actor,
        },
        manager,
      );
      await this.audit.record(
        {
          actor,
          action: 'rule.program_changed',
          subjectType: 'rule',
          subjectId: id,
          details: { program, enabled, params },
        },
        manager,
      );
    });
    return this.get(id);
  }

  /** Replaces one patient's overrides of a rule's params; an empty object removes them. */
  async setPatientParams(
    pid: number,
    id: string,
    candidate: Record<string, unknown>,
    actor: string,
  ): Promise<{ pid: number; rule: string; params: Record<string, number> }> {
    const { definition } = await this.inForce(id);
    const params = this.overrides(definition, candidate);
    await this.store.transaction(async (manager) => {
      await this.store.savePatientParams(pid, id, params, actor, manager);
      await this.audit.record(
        {
          actor,
          action: 'rule.patient_params_changed',
          subjectType: 'rule',
          subjectId: id,
          pid,
          details: { params },
        },
        manager,
      );
    });
    return { pid, rule: id, params };
  }

  async patientParams(pid: number): Promise<{ rule: string; params: Record<string, number> }[]> {
    return (await this.store.patientParams([pid])).map((row) => ({
      rule: row.ruleId,
      params: parseParams(row.params),
    }));
  }

  /**
   * Syncs the rules folder into the database: a file that differs from the last
   * version synced from it becomes a new version (an edit on disk is deliberate);
   * an unchanged file leaves API edits in force; a bad file changes nothing, so
   * its rule keeps running at its last good version.
   */
  async syncFolder(actor: string, options: { dryRun?: boolean } = {}): Promise<FolderSync> {
    const directory = resolve(this.env.RULES_DIR);
    if (!existsSync(directory)) {
      const message = 'is not a folder: set RULES_DIR to the folder of rule files';
      return {
        directory,
        changed: [],
        unchanged: [],
        errors: [{ file: directory, path: '$', message }],
        warnings: [],
      };
    }
    const { rules, errors } = loadRuleDirectory(directory);
    const warnings = rules.flatMap((rule) =>
      ruleWarnings(rule, this.env.openEmrMode).map((w) => ({ file: `${rule.id}.json`, ...w })),
    );
    const sync: FolderSync = { directory, changed: [], unchanged: [], errors, warnings };
    // Processes starting together sync one after the other; the later ones find nothing to do.
    const synced = await this.store.withLock(SYNC_LOCK, SYNC_LOCK_WAIT_SECONDS, async () => {
      for (const rule of rules) {
        await this.syncRule(rule, actor, sync, options.dryRun ?? false);
      }
      return sync;
    });
    if (!synced)
      throw new Error(`Another process held the rules sync lock for ${SYNC_LOCK_WAIT_SECONDS} s`);
    return synced;
  }

  private async syncRule(
    rule: RuleDefinition,
    actor: string,
    sync: FolderSync,
    dryRun: boolean,
  ): Promise<void> {
    try {
      await this.store.transaction(async (manager) => {
        const lastSynced = await this.store.latestFromFile(rule.id, manager);
        const changes = lastSynced ? diffRules(JSON.parse(lastSynced.definition), rule) : null;
        if (changes !== null && changes.length === 0) {
          sync.unchanged.push(rule.id);
          return;
        }
        const stored = await this.store.find(rule.id, manager);
        const current =
          stored && (await this.store.version(rule.id, stored.currentVersion, manager));
        const diff = current ? diffRules(JSON.parse(current.definition), rule) : null;
        if (diff !== null && diff.length === 0) {
          sync.unchanged.push(rule.id);
          return;
        }
        if (dryRun) {
          sync.changed.push({ id: rule.id, version: (stored?.currentVersion ?? 0) + 1 });
          return;
        }
        const version = await this.store.addVersion(
          {
            ruleId: rule.id,
            definition: rule,
            diff,
            source: 'file',
            createdBy: `file:${rule.id}.json`,
          },
          manager,
        );
        await this.audit.record(
          {
            actor,
            action: 'rule.synced_from_file',
            subjectType: 'rule',
            subjectId: rule.id,
            details: { version, changed: diff?.map((change) => change.path) ?? null },
          },
          manager,
        );
        sync.changed.push({ id: rule.id, version });
      });
    } catch (error) {
      // Another process starting at the same moment synced this file first.
      if (!isDuplicateKey(error)) throw error;
      sync.unchanged.push(rule.id);
    }
  }

  private async inForce(id: string): Promise<RuleInForce> {
    const found = (await this.store.rulesInForce()).find(({ rule }) => rule.id === id);
    if (!found) throw new NotFoundException(`No rule with id ${id}`);
    return found;
  }

  /**
   * Validated overrides. Errors about an override name its path in the request
   * body (`under` is where the overrides sit in it); errors about the rule they
   * would break keep the rule's path.
   */
  private overrides(rule: RuleDefinition, candidate: unknown, under = '$'): Record<string, number> {
    const errors = validateParamOverrides(rule, candidate);
    if (errors.length > 0) {
      const names =
        typeof candidate === 'object' && candidate !== null ? Object.keys(candidate) : [];
      const inBody = (path: string): string =>
        names.some(
          (name) => path === childPath('$', name) || path.startsWith(`${childPath('$', name)}.`),
        )
          ? under + path.slice(1)
          : path;
      throw invalid(
        errors.map((error) => ({ ...error, path: inBody(error.path) })),
        'The param overrides are not valid',
      );
    }
    return { ...(candidate as Record<string, number>) };
  }

  private async guarded<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isDuplicateKey(error)) {
        throw new ConflictException('The rule changed at the same moment; reload it and retry');
      }
      throw error;
    }
  }
}

function view(found: RuleInForce, settings: readonly RuleProgramSetting[]): RuleView {
  return {
    id: found.rule.id,
    version: found.rule.currentVersion,
    origin: found.rule.origin,
    enabledByDefault: found.rule.origin === 'file',
    updatedAt: found.rule.updatedAt,
    programs: settings
      .filter((setting) => setting.ruleId === found.rule.id)
      .map((setting) => ({
        program: setting.program,
        enabled: setting.enabled,
        params: parseParams(setting.params),
        updatedBy: setting.updatedBy,
        updatedAt: setting.updatedAt,
      })),
    definition: found.definition,
  };
}
