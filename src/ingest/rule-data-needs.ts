import { Injectable } from '@nestjs/common';
import { RuleStore } from '../rules/rule-store.repository';
import { DataTypeId } from '../wearables/google-health/data-types';
import { DataNeeds, dataNeeds } from './data-needs';

/** How often a process asks the database whether the rules changed. */
const RECHECK_MS = 10_000;

/**
 * The data types the enabled rules and the charts need, per program, kept per
 * process. Rules change in whichever process took the edit (API, CLI, a rules
 * folder sync), so no in-process event would reach the workers: every
 * {@link RECHECK_MS} one small query compares the rules' fingerprint (count,
 * versions, last change of rules and program switches), and the needs are
 * rebuilt only when it moved. A rule change reaches every sync within 10 s.
 */
@Injectable()
export class RuleDataNeeds {
  /** Tests set 0 to see a change at once. */
  recheckMs = RECHECK_MS;
  private cached: { fingerprint: string; needs: DataNeeds } | null = null;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<DataNeeds> | null = null;

  constructor(private readonly store: RuleStore) {}

  async forProgram(program: string | null): Promise<DataTypeId[]> {
    return (await this.current()).forProgram(program);
  }

  async deviceSyncForProgram(program: string | null): Promise<boolean> {
    return (await this.current()).deviceSyncForProgram(program);
  }

  private current(): Promise<DataNeeds> {
    if (this.cached && Date.now() - this.checkedAt < this.recheckMs) {
      return Promise.resolve(this.cached.needs);
    }
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refresh(): Promise<DataNeeds> {
    const fingerprint = await this.store.fingerprint();
    this.checkedAt = Date.now();
    if (this.cached?.fingerprint === fingerprint) return this.cached.needs;
    const [rules, settings] = await Promise.all([
      this.store.rulesInForce(),
      this.store.programSettings(),
    ]);
    const needs = dataNeeds(
      rules.map(({ rule, definition }) => ({
        definition,
        enabledByDefault: rule.origin === 'file',
        programs: new Map(
          settings.filter((s) => s.ruleId === rule.id).map((s) => [s.program, s.enabled]),
        ),
      })),
    );
    this.cached = { fingerprint, needs };
    return needs;
  }
}
