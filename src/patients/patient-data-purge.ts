import { Injectable } from '@nestjs/common';
import type { Transaction } from '../database/transactions';
import type { Enrollment } from './enrollment.entity';

/** Deletes one feature's collected data about a patient, inside the caller's transaction. */
export type PurgeStep = (transaction: Transaction, enrollment: Enrollment) => Promise<void>;

/**
 * RETENTION_ON_DISCONNECT=purge: each feature that keeps data collected from a
 * patient's wearable registers a step here, and a disconnect runs them all in
 * its transaction, so data is either gone with the tokens or nothing changed.
 */
@Injectable()
export class PatientDataPurge {
  private readonly steps = new Map<string, PurgeStep>();

  register(name: string, step: PurgeStep): void {
    this.steps.set(name, step);
  }

  get registered(): string[] {
    return [...this.steps.keys()];
  }

  /** Runs every step in registration order; returns their names for the audit trail. */
  async run(transaction: Transaction, enrollment: Enrollment): Promise<string[]> {
    for (const step of this.steps.values()) await step(transaction, enrollment);
    return this.registered;
  }
}
