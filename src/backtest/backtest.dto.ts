import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsObject, IsOptional, IsString, Matches, Min } from 'class-validator';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_MESSAGE = 'must be a date written YYYY-MM-DD';

export class BacktestBody {
  @ApiProperty({ example: '2026-01-01' })
  @Matches(DATE, { message: `from ${DATE_MESSAGE}` })
  from!: string;

  @ApiProperty({ example: '2026-06-30', description: 'At most 365 days after from, inclusive' })
  @Matches(DATE, { message: `to ${DATE_MESSAGE}` })
  to!: string;

  @ApiPropertyOptional({ description: 'One patient (OpenEMR pid); or give program' })
  @IsOptional()
  @IsInt()
  @Min(1)
  pid?: number;

  @ApiPropertyOptional({ description: "A program's watched patients; or give pid" })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'program must be a program name' })
  program?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'A draft of the rule (same format as POST /api/v1/rules) to try instead of the saved one',
  })
  @IsOptional()
  @IsObject()
  rule?: Record<string, unknown>;
}
