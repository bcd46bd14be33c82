import { IsPid, PidFromText } from '../../http/input-fields';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ENROLLMENT_FILTERS, type EnrollmentFilter } from '../../patients/enrollment.entity';
import { OptionalOneOf, OptionalPidText, OptionalProgramName, PID_TEXT } from '../page-input';

const DONE = ['enrolled', 'paused', 'resumed', 'disconnected', 'ended'] as const;
export type EnrollmentDone = (typeof DONE)[number];

/** The enrollments page's query: a status filter, and what a redirect announces. */
export class EnrollmentsQuery {
  @OptionalOneOf('status', ENROLLMENT_FILTERS)
  status?: EnrollmentFilter;

  @OptionalOneOf('done', DONE)
  done?: EnrollmentDone;

  @OptionalPidText()
  pid?: string;
}

/** The enroll form: the same rules as POST /api/v1/patients. */
export class EnrollForm {
  @PidFromText()
  @IsPid()
  pid!: number;

  @OptionalProgramName()
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
  return PID_TEXT.test(text) ? Number(text) : null;
}
