import { EventEmitter2 } from '@nestjs/event-emitter';
import { DailyAggregates } from '../aggregates/daily-aggregates.repository';
import { Transactions } from '../database/transactions';
import { PendingEvents } from '../events/pending-events.repository';
import { EnrollmentRepository } from '../patients/enrollment.repository';
import { EvaluationsDueRepository } from '../rules/evaluations-due.repository';
import { RuleStore } from '../rules/rule-store.repository';
import { ConnectionRepository } from '../wearables/connection.repository';
import type { CliContext } from '../cli/context';
import { InFlightWork } from '../lifecycle/in-flight-work';
import { JsonLogger } from '../logging/json-logger';
import { ConnectionTokens } from '../wearables/connection-tokens';
import { GoogleHealthReader } from '../wearables/google-health/health-api-reader';
import { GoogleHealthSource } from '../wearables/google-health/google-health-source';
import { ConnectionAccessTokens } from './access-tokens';
import { RuleDataNeeds } from './rule-data-needs';
import { RulesInForce } from '../rules/rules-in-force';
import { RequestBudget } from '../wearables/google-health/request-budget';
import { SyncLeases } from './sync-leases';
import { SyncRequests } from './sync-requests';
import { SyncOutcome, SyncRunner } from './sync-runner';
import { SyncStateRepository } from './sync-state.repository';
import { Metrics } from '../metrics/metrics';

/**
 * `vigil sync <pid>`: the same lease, runner and transaction as the service,
 * wired without Nest so the command starts fast. Nothing listens here: what the
 * sync records for others waits in the database for a worker (the changed days
 * in `evaluations_due`, a refused consent in `pending_events`, which the
 * worker's relay hands to the alerts within seconds).
 */
export function syncFromCli(
  ctx: Pick<CliContext, 'env' | 'dataSource' | 'secrets' | 'audit'>,
  pid: number,
): Promise<SyncOutcome> {
  const { env, dataSource } = ctx;
  const logger = new JsonLogger(env.LOG_LEVEL, (line) => process.stderr.write(`${line}\n`));
  const transactions = new Transactions(dataSource);
  const connections = new ConnectionRepository(dataSource);
  const enrollments = new EnrollmentRepository(dataSource);
  const states = new SyncStateRepository(dataSource);
  const tokens = new ConnectionTokens(
    transactions,
    connections,
    enrollments,
    new PendingEvents(dataSource),
    ctx.secrets,
    ctx.audit,
    new GoogleHealthSource(env),
  );
  const reader = new GoogleHealthReader(
    env,
    new ConnectionAccessTokens(tokens, connections),
    new RequestBudget(env.GOOGLE_PROJECT_REQUESTS_PER_MINUTE),
  );
  const leases = new SyncLeases(transactions, connections, states, env);
  const runner = new SyncRunner(
    transactions,
    connections,
    enrollments,
    states,
    new EvaluationsDueRepository(dataSource),
    env,
    reader,
    leases,
    new DailyAggregates(dataSource),
    new EventEmitter2(),
    logger,
    new RuleDataNeeds(new RulesInForce(new RuleStore(dataSource))),
    new Metrics(),
    ctx.audit,
  );
  return new SyncRequests(
    transactions,
    enrollments,
    connections,
    states,
    env,
    leases,
    runner,
    new InFlightWork(),
  ).syncNow(pid);
}
