import { ApiPropertyOptional } from '@nestjs/swagger';
import { OptionalLocalDate } from '../http/input-fields';

export class RuleQualityQuery {
  @ApiPropertyOptional({
    description: 'First local date of the period; default 89 days before to',
    format: 'date',
    example: '2026-09-01',
  })
  @OptionalLocalDate('from')
  from?: string;

  @ApiPropertyOptional({
    description: "Last local date; default today in the clinic's time zone",
    format: 'date',
    example: '2026-11-29',
  })
  @OptionalLocalDate('to')
  to?: string;
}
