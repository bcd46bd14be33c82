import { ApiPropertyOptional } from '@nestjs/swagger';
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

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_MESSAGE = 'must be a date written YYYY-MM-DD';

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
  @ApiPropertyOptional({ description: 'First local date; default 30 days before to' })
  @IsOptional()
  @Matches(DATE, { message: `from ${DATE_MESSAGE}` })
  from?: string;

  @ApiPropertyOptional({ description: 'Last local date; default today (UTC)' })
  @IsOptional()
  @Matches(DATE, { message: `to ${DATE_MESSAGE}` })
  to?: string;

  @ApiPropertyOptional({ description: 'Only this rule' })
  @IsOptional()
  @IsString()
  rule?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 5000, default: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  limit?: number;
}
