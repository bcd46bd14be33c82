import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Matches } from 'class-validator';
import { IsLocalDate, IsPid } from '../http/input-fields';

export class BacktestBody {
  @ApiProperty({ example: '2026-01-01', format: 'date' })
  @IsLocalDate('from')
  from!: string;

  @ApiProperty({
    example: '2026-06-30',
    format: 'date',
    description: 'At most 365 days after from, inclusive',
  })
  @IsLocalDate('to')
  to!: string;

  @ApiPropertyOptional({ description: 'One patient (OpenEMR pid); or give program' })
  @IsOptional()
  @IsPid()
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
