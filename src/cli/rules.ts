import { EnrollmentRepository } from '../patients/enrollment.repository';
import { ConnectionRepository } from '../wearables/connection.repository';
import { HttpException } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { InvalidInputException } from '../http/problem.filter';
import { OpenEmrDatabase } from '../openemr/openemr-database';
import { OpenEmrDirectory } from '../openemr/openemr-directory';
import { DailyAggregates } from '../aggregates/daily-aggregates.repository';
import { EnrolledPatients } from '../rules/monitored-patients';
import { BacktestRequest, RuleBacktests } from '../backtest/rule-backtests.service';
import { RuleStore } from '../rules/rule-store.repository';
import { RulesService } from '../rules/rules.service';
import { CliContext } from './context';

/** Validates the rules folder and says what a reload would change; `apply` makes it so. */
export async function checkRules(ctx: CliContext, apply: boolean): Promise<boolean> {
  const openEmr = OpenEmrDatabase.fromEnvironment(ctx.env);
  const rules = new RulesService(
    new RuleStore(ctx.dataSource),
    ctx.audit,
    ctx.env,
    openEmr,
    new OpenEmrDirectory(openEmr),
  );
  const sync = await rules.syncFolder('cli', { dryRun: !apply });
  console.log(`Rules folder: ${sync.directory}`);
  for (const error of sync.errors) {
    console.log(`BAD  ${error.file} ${error.path}: ${error.message}`);
  }
  for (const warning of sync.warnings) {
    console.log(`WARN ${warning.file} ${warning.path}: ${warning.message}`);
  }
  for (const { id, version } of sync.changed) {
    console.log(
      `${apply ? 'NEW ' : 'WILL'} ${id}: version ${version}${apply ? '' : ' on reload (--apply)'}`,
    );
  }
  console.log(
    `${sync.unchanged.length} unchanged, ${sync.changed.length} ${apply ? 'new version(s)' : 'to update'}, ${sync.errors.length} problem(s)` +
      (sync.errors.length > 0
        ? '; rules of bad files keep running at their last good version'
        : ''),
  );
  return sync.errors.length === 0;
}

export interface BacktestOptions {
  from: string;
  to: string;
  pid?: number;
  program?: string;
  draft?: string;
  json?: boolean;
}

/** Prints a backtest of a saved rule, or of a draft file, over stored history. */
export async function backtestCommand(
  ctx: CliContext,
  ruleId: string,
  options: BacktestOptions,
): Promise<boolean> {
  const backtests = new RuleBacktests(
    new RuleStore(ctx.dataSource),
    new DailyAggregates(ctx.dataSource),
    new EnrolledPatients(
      new EnrollmentRepository(ctx.dataSource),
      new ConnectionRepository(ctx.dataSource),
      ctx.env,
    ),
  );
  const request: BacktestRequest = {
    ruleId,
    from: options.from,
    to: options.to,
    ...(options.pid === undefined ? {} : { pid: options.pid }),
    ...(options.program === undefined ? {} : { program: options.program }),
    ...(options.draft === undefined
      ? {}
      : { draft: JSON.parse(readFileSync(options.draft, 'utf8')) as unknown }),
  };
  try {
    const result = await backtests.run(request);
    if (options.json) {
      console.log(JSON.stringify(result, null, 2));
      return true;
    }
    const s = result.summary;
    const what = result.rule.draft
      ? `draft of ${result.rule.id}`
      : `${result.rule.id} v${result.rule.version}`;
    console.log(`Backtest of ${what}, ${result.from} to ${result.to} (${result.days} days)`);
    console.log(
      `${s.patients} patient(s), ${s.patientsAlerted} alerted (${Math.round(s.shareOfPatientsAlerted * 100)}%), ` +
        `${s.episodes} episode(s) (${s.episodesNotified} notified), ${s.alertDays} alert day(s), ` +
        `${s.alertDaysPerPatientMonth} alert days per patient-month`,
    );
    console.log(
      `${s.conditionDays} condition day(s) (${s.conditionDaysPerPatientMonth} per patient-month) over ` +
        `${s.patientMonths} patient-months counted from each patient's first day of data`,
    );
    console.log(
      `Days: ${s.outcomeDays.true} true, ${s.outcomeDays.false} false, ${s.outcomeDays.insufficient_data} insufficient data`,
    );
    for (const patient of result.patients) {
      for (const e of patient.episodes) {
        console.log(
          `  pid ${patient.pid}: ${e.start} fired ${e.firedOn}, ${e.end ? `resolved ${e.end}` : 'still open'}, ${e.alertDays} alert day(s)${e.notifiedOn ? '' : ', inhibited throughout'}`,
        );
      }
    }
    return true;
  } catch (error) {
    if (error instanceof InvalidInputException) {
      for (const problem of error.problems) console.error(`${problem.path}: ${problem.message}`);
      return false;
    }
    if (error instanceof HttpException) {
      console.error(error.message);
      return false;
    }
    throw error;
  }
}
