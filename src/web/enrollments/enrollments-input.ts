import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ENROLLMENT_STATUSES, type EnrollmentStatus } from '../../patients/enrollment.entity';

const DONE = ['enrolled', 'paused', 'resumed', 'disconnected', 'ended'] as const;
export type EnrollmentDone = (typeof DONE)[number];

const PID = /^[1-9]\d{0,14}$/;

/** The enrollments page's query: a status filter, and what a redirect announces. */
export class EnrollmentsQuery {
  @IsOptional()
  @IsIn(ENROLLMENT_STATUSES, { message: `status must be one of ${ENROLLMENT_STATUSES.join(', ')}` })
  status?: EnrollmentStatus;

  @IsOptional()
  @IsIn(DONE, { message: `done must be one of ${DONE.join(', ')}` })
  done?: EnrollmentDone;

  @IsOptional()
  @Matches(PID, { message: 'pid must be a whole number, 1 or more' })
  pid?: string;
}

/** The enroll form: the same rules as POST /api/v1/patients. */
export class EnrollForm {
  @Type(() => Number)
  @IsInt({ message: 'pid must be a whole number' })
  @Min(1, { message: 'pid must be 1 or more' })
  @Max(Number.MAX_SAFE_INTEGER, { message: 'pid is too large' })
  pid!: number;

  @IsOptional()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/, {
    message: 'program must be 1-64 letters, digits, spaces, dots, dashes or underscores',
  })
  program?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'syncIntervalMinutes must be a whole number' })
  @Min(15, { message: 'syncIntervalMinutes must be at least 15' })
  @Max(1440, { message: 'syncIntervalMinutes must be at most 1440' })
  syncIntervalMinutes?: number;
}

/** A pid in a page path; null when it is not one. */
export function pidOf(text: string): number | null {
  return PID.test(text) ? Number(text) : null;
}
