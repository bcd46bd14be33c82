import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, LessThan, type Repository } from 'typeorm';
import { StaffSignInAttempt } from './sign-in-attempt.entity';

/** The `staff_sign_in_attempts` table's one owner: OpenEMR sign-ins under way. */
@Injectable()
export class SignInAttemptRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get rows(): Repository<StaffSignInAttempt> {
    return this.dataSource.getRepository(StaffSignInAttempt);
  }

  async create(attempt: Omit<StaffSignInAttempt, 'id'>): Promise<void> {
    await this.rows.insert(attempt);
  }

  byStateHash(stateHash: string): Promise<StaffSignInAttempt | null> {
    return this.rows.findOneBy({ stateHash });
  }

  /** Marks the attempt used, once: false when it already was (a replay lost). */
  async markUsed(id: number, at: Date): Promise<boolean> {
    const result = await this.rows.update({ id, usedAt: IsNull() }, { usedAt: at });
    return result.affected === 1;
  }

  /** Sweeps attempts that expired before `before`. */
  async deleteExpiredBefore(before: Date): Promise<void> {
    await this.rows.delete({ expiresAt: LessThan(before) });
  }
}
