import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { IsPid, PidFromText } from '../http/input-fields';
import { ENROLLMENT_FILTERS, type EnrollmentFilter } from './enrollment.entity';

/** An OpenEMR pid in a path, e.g. /api/v1/patients/42. */
export class PidParam {
  @ApiProperty({ description: 'OpenEMR pid (patient_data.pid)', example: 42 })
  @PidFromText()
  @IsPid()
  pid!: number;
}

export class EnrollPatientDto {
  @ApiProperty({ description: 'OpenEMR patient id (patient_data.pid)', example: 42 })
  @IsPid()
  pid!: number;

  @ApiPropertyOptional({
    description: 'Cohort the patient is monitored in',
    example: 'heart-failure',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/, {
    message: 'program must be 1-64 letters, digits, spaces, dots, dashes or underscores',
  })
  program?: string;

  @ApiPropertyOptional({ description: 'Minutes between syncs (15-1440)', default: 360 })
  @IsOptional()
  @IsInt({ message: 'syncIntervalMinutes must be a whole number' })
  @Min(15, { message: 'syncIntervalMinutes must be at least 15' })
  @Max(1440, { message: 'syncIntervalMinutes must be at most 1440' })
  syncIntervalMinutes?: number;
}

export class UpdateEnrollmentDto {
  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(64)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/, {
    message: 'program must be 1-64 letters, digits, spaces, dots, dashes or underscores',
  })
  program?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt({ message: 'syncIntervalMinutes must be a whole number' })
  @Min(15, { message: 'syncIntervalMinutes must be at least 15' })
  @Max(1440, { message: 'syncIntervalMinutes must be at most 1440' })
  syncIntervalMinutes?: number;

  @ApiPropertyOptional({ enum: ['active', 'paused'] })
  @IsOptional()
  @IsIn(['active', 'paused'], { message: 'status must be active or paused' })
  status?: 'active' | 'paused';
}

export class ListEnrollmentsQuery {
  @ApiPropertyOptional({
    enum: ENROLLMENT_FILTERS,
    description:
      'A status; disconnected: the paused enrollments whose connection is gone (connection.connected false), which only a new invitation restarts; paused lists them too',
  })
  @IsOptional()
  @IsIn(ENROLLMENT_FILTERS, { message: `status must be one of ${ENROLLMENT_FILTERS.join(', ')}` })
  status?: EnrollmentFilter;
}
