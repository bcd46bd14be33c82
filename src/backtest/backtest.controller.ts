import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/access.decorators';
import { AUTHORS, ruleId } from '../rules/rules.controller';
import { BacktestBody } from './backtest.dto';
import { BacktestResult, RuleBacktests } from './rule-backtests.service';

@ApiTags('rules')
@ApiBearerAuth()
@Controller('api/v1/rules')
export class BacktestController {
  constructor(private readonly backtests: RuleBacktests) {}

  @Post(':id/backtest')
  @HttpCode(200)
  @Roles(...AUTHORS)
  @ApiOperation({
    summary: 'Replay a saved or draft rule over stored history (up to 365 days); writes nothing',
  })
  backtest(@Param('id') id: string, @Body() body: BacktestBody): Promise<BacktestResult> {
    return this.backtests.run({
      ruleId: ruleId(id),
      from: body.from,
      to: body.to,
      ...(body.pid === undefined ? {} : { pid: body.pid }),
      ...(body.program === undefined ? {} : { program: body.program }),
      ...(body.rule === undefined ? {} : { draft: body.rule }),
    });
  }
}
