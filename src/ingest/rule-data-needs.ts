import { Injectable } from '@nestjs/common';
import { RulesInForce, RulesSnapshot } from '../rules/rules-in-force';
import { DataTypeId } from '../wearables/google-health/data-types';
import { DataNeeds, dataNeeds } from './data-needs';

/**
 * The data types the enabled rules and the charts need, per program, kept per
 * process for as long as the rules stay as they are: {@link RulesInForce}
 * checks the rules' fingerprint on every call, so a rule or program setting
 * changed in any process takes effect on the next sync.
 */
@Injectable()
export class RuleDataNeeds {
  private cached: { snapshot: RulesSnapshot; needs: DataNeeds } | null = null;

  constructor(private readonly rules: RulesInForce) {}

  async forProgram(program: string | null): Promise<DataTypeId[]> {
    return (await this.current()).forProgram(program);
  }

  async deviceSyncForProgram(program: string | null): Promise<boolean> {
    return (await this.current()).deviceSyncForProgram(program);
  }

  /** Both answers for a program from one check of the rules (a sync asks for both). */
  async ofProgram(
    program: string | null,
  ): Promise<{ dataTypes: DataTypeId[]; deviceSync: boolean }> {
    const needs = await this.current();
    return {
      dataTypes: needs.forProgram(program),
      deviceSync: needs.deviceSyncForProgram(program),
    };
  }

  private async current(): Promise<DataNeeds> {
    const snapshot = await this.rules.current();
    if (this.cached?.snapshot === snapshot) return this.cached.needs;
    const { rules, settings } = snapshot;
    const needs = dataNeeds(
      rules.map(({ rule, definition }) => ({
        definition,
        enabledByDefault: rule.origin === 'file',
        programs: new Map(
          settings.filter((s) => s.ruleId === rule.id).map((s) => [s.program, s.enabled]),
        ),
      })),
    );
    this.cached = { snapshot, needs };
    return needs;
  }
}
