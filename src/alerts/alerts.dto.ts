import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { SEVERITIES, type Severity } from '../rules/rule-definition';
import { IsPid, PidFromText } from '../http/input-fields';
import type { AlertState } from './lifecycle';

export const ALERT_STATES: readonly AlertState[] = [
  'pending',
  'firing',
  'acknowledged',
  'resolved',
  'snoozed',
  'inhibited',
  'stale',
];

/** An alert id as a path writes it; anything else is 400 (pathParam). */
export const ALERT_ID = /^\d{1,18}$/;
export const ALERT_ID_SHAPE = 'an alert id: a whole number such as 17';

export class AlertIdParam {
  @ApiProperty({ description: 'Alert id', example: '17' })
  @Matches(ALERT_ID, { message: `id must be ${ALERT_ID_SHAPE}` })
  id!: string;
}

export class ListAlertsQuery {
  @ApiPropertyOptional({ enum: ALERT_STATES })
  @IsOptional()
  @IsIn(ALERT_STATES, { message: `state must be one of ${ALERT_STATES.join(', ')}` })
  state?: AlertState;

  @ApiPropertyOptional({ enum: SEVERITIES })
  @IsOptional()
  @IsIn(SEVERITIES, { message: `severity must be one of ${SEVERITIES.join(', ')}` })
  severity?: Severity;

  @ApiPropertyOptional({ description: 'OpenEMR pid' })
  @IsOptional()
  @PidFromText()
  @IsPid()
  pid?: number;

  @ApiPropertyOptional({ description: 'OpenEMR username the alert was routed to' })
  @IsOptional()
  @IsString()
  @Matches(/^[^\s"%\\]{1,255}$/, { message: 'recipient must be one OpenEMR username' })
  recipient?: string;

  @ApiPropertyOptional({ default: 100, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1, { message: 'limit must be 1 or more' })
  @Max(500, { message: 'limit must be at most 500' })
  limit?: number;
}

export class AcknowledgeAlertDto {
  @ApiPropertyOptional({ description: 'A short note for the alert history' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

export class ResolveAlertDto extends AcknowledgeAlertDto {}

export class SnoozeAlertDto extends AcknowledgeAlertDto {
  @ApiProperty({ description: 'Muted through this local date (inclusive)', example: '2026-12-05' })
  @Matches(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, {
    message: 'until must be a date YYYY-MM-DD',
  })
  until!: string;
}
