import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { IsPid, OptionalLocalDate, PidFromText } from '../http/input-fields';
import { RULE_ID_PATTERN } from './validation/rule-fields';

export class ProgramSettingBody {
  @ApiPropertyOptional({
    nullable: true,
    description: 'true: runs for the program; false: does not; null: back to the rule default',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsBoolean()
  enabled?: boolean | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'Param overrides for the program; {} removes them',
    example: { deltaBpm: 5 },
  })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;
}

export class OutcomesQuery {
  @ApiPropertyOptional({
    description: 'First local date; default 30 days before to',
    format: 'date',
  })
  @OptionalLocalDate('from')
  from?: string;

  @ApiPropertyOptional({ description: 'Last local date; default today (UTC)', format: 'date' })
  @OptionalLocalDate('to')
  to?: string;

  @ApiPropertyOptional({ description: 'Only this rule (its id)' })
  @IsOptional()
  @Matches(RULE_ID_PATTERN, { message: 'rule must be a rule id such as resting-hr-rise' })
  rule?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 5000, default: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1, { message: 'limit must be 1 or more' })
  @Max(5000, { message: 'limit must be at most 5000' })
  limit?: number;
}

/** A patient's pid and a rule's id in a path: /api/v1/patients/{pid}/rules/{id}/params. */
export class PidAndRuleParam {
  @ApiProperty({ description: 'OpenEMR pid', example: 42 })
  @PidFromText()
  @IsPid()
  pid!: number;

  @ApiProperty({ description: 'Rule id', example: 'resting-hr-rise' })
  @IsString()
  id!: string;
}
