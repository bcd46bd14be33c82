import { Injectable } from '@nestjs/common';
import type { RuleProgramSetting } from './rule-settings.entity';
import { RuleInForce, RuleStore } from './rule-store.repository';

/** The rules at their versions in force and every program's switches, as read together. */
export interface RulesSnapshot {
  readonly rules: readonly RuleInForce[];
  readonly settings: readonly RuleProgramSetting[];
}

/**
 * The rule book every sync and evaluation needs, kept per process. Rules change
 * in whichever process took the edit (API, CLI, a rules folder sync), so no
 * in-process event would reach the workers: each call reads the rules'
 * fingerprint (one plain query of a few rows: versions in force, program
 * switches and params) and reads the rules and settings again only when it
 * moved. An edit is seen by every call that starts after its commit: a call
 * arriving while a check is under way (which may have begun before the edit)
 * waits for the next check, shared with the others that arrived meanwhile, so
 * concurrent syncs cost one check, not one each. Consumers keep what they
 * derive (compiled rules, data needs) per snapshot: a new snapshot object
 * means the rules changed.
 */
@Injectable()
export class RulesInForce {
  private cached: { fingerprint: string; snapshot: RulesSnapshot } | null = null;
  private running: Promise<RulesSnapshot> | null = null;
  private queued: Promise<RulesSnapshot> | null = null;

  constructor(private readonly store: RuleStore) {}

  current(): Promise<RulesSnapshot> {
    if (this.running === null) return this.run();
    this.queued ??= this.running.then(ignore, ignore).then(() => {
      this.queued = null;
      return this.run();
    });
    return this.queued;
  }

  private run(): Promise<RulesSnapshot> {
    const running = this.check().finally(() => {
      if (this.running === running) this.running = null;
    });
    this.running = running;
    return running;
  }

  private async check(): Promise<RulesSnapshot> {
    const fingerprint = await this.store.fingerprint();
    if (this.cached?.fingerprint === fingerprint) return this.cached.snapshot;
    // Read after the fingerprint: at worst newer than it, so the next check reads again.
    const [rules, settings] = await Promise.all([
      this.store.rulesInForce(),
      this.store.programSettings(),
    ]);
    const snapshot: RulesSnapshot = { rules, settings };
    this.cached = { fingerprint, snapshot };
    return snapshot;
  }
}

const ignore = (): void => undefined;
