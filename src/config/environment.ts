import { plainToInstance, Transform } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsTimeZone,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  Validate,
  ValidateIf,
  validateSync,
  ValidationError,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { trustProxySetting } from '../http/trust-proxy';

export const PROCESS_ROLES = ['all', 'api', 'worker'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const RETENTION_CHOICES = ['keep', 'purge'] as const;
export const INTRADAY_READ_CHOICES = ['roll-up', 'list'] as const;
export type IntradayReadChoice = (typeof INTRADAY_READ_CHOICES)[number];
export type RetentionOnDisconnect = (typeof RETENTION_CHOICES)[number];

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const listOf = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
const emptyToUndefined = ({ value }: { value: unknown }): unknown =>
  value === '' ? undefined : value;

/** `key=role` pairs, where role is one of Vigil's staff roles. */
const ROLE_MAP = /^[^\s=,]+=(admin|clinician|staff)(\s*,\s*[^\s=,]+=(admin|clinician|staff))*$/;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An OpenID issuer: https, or plain http only on this machine (tests, a local OpenEMR). */
@ValidatorConstraint({ name: 'issuerUrl' })
class IssuerUrl implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false;
    }
    if (url.search || url.hash || url.username || url.password) return false;
    return (
      url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))
    );
  }

  defaultMessage(): string {
    return 'OPENEMR_OAUTH_ISSUER must be an https URL such as https://emr.example.org/oauth2/default (http only on localhost), without query or fragment';
  }
}

/** TRUST_PROXY: `none`, a hop count (1-10), or proxy addresses / CIDR ranges / named ranges. */
@ValidatorConstraint({ name: 'trustProxy' })
class TrustProxy implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && trustProxySetting(value) !== null;
  }

  defaultMessage(): string {
    return 'TRUST_PROXY must be none, a hop count from 1 to 10, or comma-separated proxy addresses or CIDR ranges (such as 10.0.0.5,10.1.0.0/16; also loopback, linklocal, uniquelocal)';
  }
}

/**
 * Every variable Vigil reads, validated once at start. `.env.example` and the
 * configuration table in docs/configuration.md document the same list: keep the three in step.
 */
export class Environment {
  /** HTTP port of the API and web pages. */
  @Transform(toInt)
  @IsInt({ message: 'PORT must be a whole number between 1 and 65535' })
  @Min(1, { message: 'PORT must be a whole number between 1 and 65535' })
  @Max(65535, { message: 'PORT must be a whole number between 1 and 65535' })
  PORT = 3000;

  /** Port of the Prometheus /metrics listener, in every role. Unset: no metrics listener. */
  @Transform(({ value }) => toInt({ value: emptyToUndefined({ value }) }))
  @IsOptional()
  @IsInt({ message: 'METRICS_PORT must be a whole number between 1 and 65535, or unset' })
  @Min(1, { message: 'METRICS_PORT must be a whole number between 1 and 65535, or unset' })
  @Max(65535, { message: 'METRICS_PORT must be a whole number between 1 and 65535, or unset' })
  METRICS_PORT?: number;

  /** Address the metrics listener binds to; it has no token, so keep it private. */
  @Matches(/^[A-Za-z0-9.:-]{1,253}$/, {
    message: 'METRICS_HOST must be an IP address or host name such as 127.0.0.1',
  })
  METRICS_HOST = '127.0.0.1';

  /** The address patients and staff use to reach Vigil; links in messages start with it. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'PUBLIC_BASE_URL must be an http(s) URL such as https://vigil.example.org' },
  )
  PUBLIC_BASE_URL?: string;

  /** Unset: embedded SQLite under ./data. Otherwise mysql://user:pass@host:port/db. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^mysql:\/\/[^/]+\/[A-Za-z0-9_$-]+(\?.*)?$/, {
    message: 'DATABASE_URL must look like mysql://user:password@host:3306/database, or be unset',
  })
  DATABASE_URL?: string;

  /** Folder of the embedded SQLite database when DATABASE_URL is unset. */
  @IsString()
  DATA_DIR = './data';

  /**
   * Key ring for secrets at rest: comma-separated `keyId:base64key` with 32-byte
   * keys. The first encrypts; all decrypt (rotation).
   */
  @Transform(emptyToUndefined)
  @Matches(
    /^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/_-]{43}=?(,[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/_-]{43}=?)*$/,
    {
      message:
        'ENCRYPTION_KEYS is missing or malformed: expected comma-separated keyId:base64 entries of 32-byte keys (npm run cli -- keys:generate prints one)',
    },
  )
  ENCRYPTION_KEYS!: string;

  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  /** all: API and background work; api: HTTP only; worker: background work only. */
  @IsIn(PROCESS_ROLES, { message: `ROLE must be one of ${PROCESS_ROLES.join(', ')}` })
  ROLE: ProcessRole = 'all';

  /** How long shutdown waits for in-flight work before closing the database anyway. */
  @Transform(toInt)
  @IsInt({ message: 'SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds (100-600000)' })
  @Min(100, { message: 'SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds (100-600000)' })
  @Max(600000, {
    message: 'SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds (100-600000)',
  })
  SHUTDOWN_TIMEOUT_MS = 10000;

  /** Outgoing mail server, e.g. smtp://user:pass@mail.example.org:587. Unset: no email is sent. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^smtps?:\/\/[^/\s]+\/?(\?\S*)?$/, {
    message:
      'SMTP_URL must look like smtp://user:password@host:587 (or smtps:// for TLS on connect), or be unset',
  })
  SMTP_URL?: string;

  /** Sender of Vigil's emails. */
  @IsString()
  @Matches(/^[^<>\n]*<?[^@\s<>]+@[^@\s<>]+>?$/, {
    message: 'MAIL_FROM must be an address such as "Vigil <vigil@clinic.example>"',
  })
  MAIL_FROM = 'Vigil <vigil@localhost>';

  /** OAuth client id of the clinic's Google Cloud project. Unset: patients cannot connect yet. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^\S{1,255}$/, {
    message: 'GOOGLE_CLIENT_ID must be the OAuth client id from the Google Cloud console',
  })
  GOOGLE_CLIENT_ID?: string;

  /** OAuth client secret of the same Google client. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^\S{1,255}$/, {
    message: 'GOOGLE_CLIENT_SECRET must be the OAuth client secret from the Google Cloud console',
  })
  GOOGLE_CLIENT_SECRET?: string;

  /** Google's authorize page (the simulator's in tests and the demo). */
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'GOOGLE_OAUTH_AUTHORIZE_URL must be an http(s) URL' },
  )
  GOOGLE_OAUTH_AUTHORIZE_URL = 'https://accounts.google.com/o/oauth2/v2/auth';

  /** Google's token endpoint (codes and refreshes). */
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'GOOGLE_OAUTH_TOKEN_URL must be an http(s) URL' },
  )
  GOOGLE_OAUTH_TOKEN_URL = 'https://oauth2.googleapis.com/token';

  /** Google's revocation endpoint (disconnect). */
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'GOOGLE_OAUTH_REVOKE_URL must be an http(s) URL' },
  )
  GOOGLE_OAUTH_REVOKE_URL = 'https://oauth2.googleapis.com/revoke';

  /** Base of the Google Health API, ending in /v4/. */
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    {
      message:
        'GOOGLE_HEALTH_API_BASE_URL must be an http(s) URL such as https://health.googleapis.com/v4/',
    },
  )
  GOOGLE_HEALTH_API_BASE_URL = 'https://health.googleapis.com/v4/';

  /** The clinic's name as patients know it, shown on consent pages and in invitations. */
  @Matches(/^[^<>\n]{1,100}$/, {
    message: 'CLINIC_NAME must be 1 to 100 characters on one line, without < or >',
  })
  CLINIC_NAME = 'Your clinic';

  /** Days an invitation link stays valid. */
  @Transform(toInt)
  @IsInt({ message: 'INVITATION_TTL_DAYS must be a whole number of days (1-90)' })
  @Min(1, { message: 'INVITATION_TTL_DAYS must be a whole number of days (1-90)' })
  @Max(90, { message: 'INVITATION_TTL_DAYS must be a whole number of days (1-90)' })
  INVITATION_TTL_DAYS = 7;

  /** keep: daily aggregates already collected stay after a disconnect; purge: they are deleted. */
  @IsIn(RETENTION_CHOICES, {
    message: `RETENTION_ON_DISCONNECT must be one of ${RETENTION_CHOICES.join(', ')}`,
  })
  RETENTION_ON_DISCONNECT: RetentionOnDisconnect = 'keep';

  /**
   * OpenEMR's own database, for delivery mode "database": mysql://user:pass@host:3306/openemr,
   * or sqlite:<path> for the demo's embedded OpenEMR stand-in. Unset: no database delivery.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^(mysql:\/\/[^/]+\/[A-Za-z0-9_$-]+(\?.*)?|sqlite:.+)$/, {
    message:
      'OPENEMR_DATABASE_URL must look like mysql://user:password@host:3306/openemr or sqlite:<path>, or be unset',
  })
  OPENEMR_DATABASE_URL?: string;

  /** The OpenEMR user Vigil writes as (pnotes.user, dated_reminders.dr_from_ID). */
  @Matches(/^[^\s,]{1,255}$/, {
    message: 'OPENEMR_SERVICE_USERNAME must be one OpenEMR username',
  })
  OPENEMR_SERVICE_USERNAME = 'vigil';

  /** The note_type list option used as the title of Vigil's messages; created when absent. */
  @Matches(/^[^\n]{1,31}$/, {
    message: 'OPENEMR_NOTE_TYPE must be a note_type option id of 1 to 31 characters',
  })
  OPENEMR_NOTE_TYPE = 'Device Alert';

  /** Comma-separated OpenEMR usernames who get an alert when its provider is missing or inactive. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[^\s,]+(\s*,\s*[^\s,]+)*$/, {
    message: 'ALERT_FALLBACK_RECIPIENTS must be comma-separated OpenEMR usernames',
  })
  ALERT_FALLBACK_RECIPIENTS?: string;

  /** Delivery mode "api" (messages only): https://<host>/apis/<site>/api. Unset: no api delivery. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    {
      message:
        'OPENEMR_API_BASE_URL must be a URL such as https://emr.example.org/apis/default/api',
    },
  )
  OPENEMR_API_BASE_URL?: string;

  /** An urgent alert still unacknowledged after this many hours is emailed to ESCALATION_EMAILS. */
  @Transform(toInt)
  @IsInt({ message: 'ESCALATE_AFTER_HOURS must be a whole number of hours (1-168)' })
  @Min(1, { message: 'ESCALATE_AFTER_HOURS must be a whole number of hours (1-168)' })
  @Max(168, { message: 'ESCALATE_AFTER_HOURS must be a whole number of hours (1-168)' })
  ESCALATE_AFTER_HOURS = 4;

  /** Comma-separated addresses for escalations and the daily digest. Unset: none are sent. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[^@\s,]+@[^@\s,]+(\s*,\s*[^@\s,]+@[^@\s,]+)*$/, {
    message: 'ESCALATION_EMAILS must be comma-separated email addresses',
  })
  ESCALATION_EMAILS?: string;

  /** IANA time zone of the clinic: timestamps written into OpenEMR and emails use its wall clock. */
  @IsTimeZone({ message: 'CLINIC_TIME_ZONE must be an IANA time zone such as America/New_York' })
  CLINIC_TIME_ZONE = 'UTC';

  /** Folder of the clinic's JSON rules, synced into the database at start and on reload. */
  @IsString()
  @Matches(/\S/, { message: 'RULES_DIR must be a folder of rule files, such as rules' })
  RULES_DIR = 'rules';

  /** Local hour (0-23) of each patient's day after which the daily run evaluates the previous day. */
  @Transform(toInt)
  @IsInt({ message: 'EVALUATION_HOUR must be a whole hour from 0 to 23' })
  @Min(0, { message: 'EVALUATION_HOUR must be a whole hour from 0 to 23' })
  @Max(23, { message: 'EVALUATION_HOUR must be a whole hour from 0 to 23' })
  EVALUATION_HOUR = 6;

  /**
   * Days rule outcomes are kept once stepped into alerts. At least 35: the
   * outcomes API shows the last 30 days by default, and the evaluation
   * recovery treats a recent day without outcomes as never evaluated.
   */
  @Transform(toInt)
  @IsInt({ message: 'OUTCOME_RETENTION_DAYS must be a whole number of days (35-3650)' })
  @Min(35, { message: 'OUTCOME_RETENTION_DAYS must be a whole number of days (35-3650)' })
  @Max(3650, { message: 'OUTCOME_RETENTION_DAYS must be a whole number of days (35-3650)' })
  OUTCOME_RETENTION_DAYS = 400;

  /** Days of history read on a patient's first sync. */
  @Transform(toInt)
  @IsInt({ message: 'BACKFILL_DAYS must be a whole number of days (1-365)' })
  @Min(1, { message: 'BACKFILL_DAYS must be a whole number of days (1-365)' })
  @Max(365, { message: 'BACKFILL_DAYS must be a whole number of days (1-365)' })
  BACKFILL_DAYS = 60;

  /** Days before the last complete local day that the first sync of a local day reads again (watches sync late). */
  @Transform(toInt)
  @IsInt({ message: 'REREAD_DAYS must be a whole number of days (0-30)' })
  @Min(0, { message: 'REREAD_DAYS must be a whole number of days (0-30)' })
  @Max(30, { message: 'REREAD_DAYS must be a whole number of days (0-30)' })
  REREAD_DAYS = 3;

  /** roll-up: heart rate and steps as 1-minute roll-ups (default); list: every sample (the reference, a fallback). */
  @IsIn(INTRADAY_READ_CHOICES, {
    message: `GOOGLE_HEALTH_INTRADAY_READS must be one of ${INTRADAY_READ_CHOICES.join(', ')}`,
  })
  GOOGLE_HEALTH_INTRADAY_READS: IntradayReadChoice = 'roll-up';

  /** How often a worker looks for due syncs; the tick only claims work. */
  @Transform(toInt)
  @IsInt({ message: 'SYNC_TICK_SECONDS must be a whole number of seconds (1-3600)' })
  @Min(1, { message: 'SYNC_TICK_SECONDS must be a whole number of seconds (1-3600)' })
  @Max(3600, { message: 'SYNC_TICK_SECONDS must be a whole number of seconds (1-3600)' })
  SYNC_TICK_SECONDS = 60;

  /** Patient syncs one worker process runs at the same time. */
  @Transform(toInt)
  @IsInt({ message: 'SYNC_CONCURRENCY must be a whole number (1-64)' })
  @Min(1, { message: 'SYNC_CONCURRENCY must be a whole number (1-64)' })
  @Max(64, { message: 'SYNC_CONCURRENCY must be a whole number (1-64)' })
  SYNC_CONCURRENCY = 8;

  /** How long a claimed sync is owned before another process may take it over (crashed owner). */
  @Transform(toInt)
  @IsInt({ message: 'SYNC_LEASE_SECONDS must be a whole number of seconds (30-86400)' })
  @Min(30, { message: 'SYNC_LEASE_SECONDS must be a whole number of seconds (30-86400)' })
  @Max(86400, { message: 'SYNC_LEASE_SECONDS must be a whole number of seconds (30-86400)' })
  SYNC_LEASE_SECONDS = 600;

  /** Requests per minute one patient's syncs may make; Google allows 300. */
  @Transform(toInt)
  @IsInt({ message: 'GOOGLE_USER_REQUESTS_PER_MINUTE must be a whole number (1-299)' })
  @Min(1, { message: 'GOOGLE_USER_REQUESTS_PER_MINUTE must be a whole number (1-299)' })
  @Max(299, { message: 'GOOGLE_USER_REQUESTS_PER_MINUTE must be a whole number (1-299)' })
  GOOGLE_USER_REQUESTS_PER_MINUTE = 240;

  /** Requests per minute this process may make for the whole project (split the quota between processes). */
  @Transform(toInt)
  @IsInt({ message: 'GOOGLE_PROJECT_REQUESTS_PER_MINUTE must be a whole number (1-120000)' })
  @Min(1, { message: 'GOOGLE_PROJECT_REQUESTS_PER_MINUTE must be a whole number (1-120000)' })
  @Max(120000, {
    message: 'GOOGLE_PROJECT_REQUESTS_PER_MINUTE must be a whole number (1-120000)',
  })
  GOOGLE_PROJECT_REQUESTS_PER_MINUTE = 5000;

  /** A Google Health API request still unanswered after this long is retried (bounded). */
  @Transform(toInt)
  @IsInt({
    message: 'GOOGLE_HEALTH_TIMEOUT_MS must be a whole number of milliseconds (100-120000)',
  })
  @Min(100, {
    message: 'GOOGLE_HEALTH_TIMEOUT_MS must be a whole number of milliseconds (100-120000)',
  })
  @Max(120000, {
    message: 'GOOGLE_HEALTH_TIMEOUT_MS must be a whole number of milliseconds (100-120000)',
  })
  GOOGLE_HEALTH_TIMEOUT_MS = 20000;

  /** The subscriber's endpointAuthorization secret; unset: webhook calls are refused. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^\S{16,512}$/, {
    message:
      'GOOGLE_HEALTH_WEBHOOK_SECRET must be 16 to 512 characters without spaces, or be unset',
  })
  GOOGLE_HEALTH_WEBHOOK_SECRET?: string;

  /** Where Google publishes the Tink keyset that signs webhook notifications. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'GOOGLE_HEALTH_WEBHOOK_KEYSET_URL must be an http(s) URL, or be unset' },
  )
  GOOGLE_HEALTH_WEBHOOK_KEYSET_URL?: string;

  get fallbackRecipients(): string[] {
    return listOf(this.ALERT_FALLBACK_RECIPIENTS);
  }

  get escalationEmails(): string[] {
    return listOf(this.ESCALATION_EMAILS);
  }

  /** database: OpenEMR's tables; api: its REST API (messages only); none: nothing is delivered. */
  get openEmrMode(): 'database' | 'api' | 'none' {
    if (this.OPENEMR_DATABASE_URL) return 'database';
    return this.OPENEMR_API_BASE_URL ? 'api' : 'none';
  }

  /** How long a staff member stays signed in. */
  @Transform(toInt)
  @IsInt({ message: 'SESSION_HOURS must be a whole number of hours (1-168)' })
  @Min(1, { message: 'SESSION_HOURS must be a whole number of hours (1-168)' })
  @Max(168, { message: 'SESSION_HOURS must be a whole number of hours (1-168)' })
  SESSION_HOURS = 12;

  /**
   * The proxies in front of Vigil whose X-Forwarded-For is believed, for
   * per-address limits and the audit trail: `none` (default: the connection's
   * address is the client's), a hop count, or proxy addresses and CIDR ranges.
   */
  @Validate(TrustProxy)
  TRUST_PROXY = 'none';

  /**
   * OpenEMR's OAuth2 / OpenID Connect issuer for staff sign-in, such as
   * https://emr.example.org/oauth2/default. Unset: local accounts only.
   */
  @Transform(emptyToUndefined)
  @ValidateIf(
    (env: Environment) =>
      env.OPENEMR_OAUTH_ISSUER !== undefined ||
      env.OPENEMR_OAUTH_CLIENT_ID !== undefined ||
      env.OPENEMR_OAUTH_CLIENT_SECRET !== undefined,
  )
  @IsDefined({
    message:
      'OPENEMR_OAUTH_ISSUER is required with OPENEMR_OAUTH_CLIENT_ID / OPENEMR_OAUTH_CLIENT_SECRET (set all or none)',
  })
  @Validate(IssuerUrl)
  OPENEMR_OAUTH_ISSUER?: string;

  /** The client id OpenEMR gave Vigil when it was registered as an API client. */
  @Transform(emptyToUndefined)
  @ValidateIf(
    (env: Environment) =>
      env.OPENEMR_OAUTH_ISSUER !== undefined || env.OPENEMR_OAUTH_CLIENT_ID !== undefined,
  )
  @Matches(/^\S{1,255}$/, {
    message:
      "OPENEMR_OAUTH_CLIENT_ID is required with OPENEMR_OAUTH_ISSUER: the client id from OpenEMR's API client registration",
  })
  OPENEMR_OAUTH_CLIENT_ID?: string;

  /** The client secret of a confidential client; unset for a public client (PKCE alone). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^\S{1,512}$/, {
    message: 'OPENEMR_OAUTH_CLIENT_SECRET must be the client secret from OpenEMR, or be unset',
  })
  OPENEMR_OAUTH_CLIENT_SECRET?: string;

  /** OpenEMR ACL group -> Vigil role, read from OpenEMR's database at each sign-in. */
  @Matches(ROLE_MAP, {
    message:
      'OPENEMR_ROLE_MAP must be comma-separated group=role pairs with roles admin, clinician or staff, such as admin=admin,doc=clinician',
  })
  OPENEMR_ROLE_MAP = 'admin=admin,doc=clinician,clin=clinician,front=staff,back=staff';

  /** OpenEMR username -> Vigil role, used for OpenEMR sign-in when OPENEMR_DATABASE_URL is unset. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(ROLE_MAP, {
    message:
      'OPENEMR_OAUTH_ROLES must be comma-separated username=role pairs with roles admin, clinician or staff, such as alice=clinician,bob=staff',
  })
  OPENEMR_OAUTH_ROLES?: string;

  /** Staff can sign in through OpenEMR. */
  get openEmrSignInConfigured(): boolean {
    return Boolean(this.OPENEMR_OAUTH_ISSUER && this.OPENEMR_OAUTH_CLIENT_ID);
  }

  /** The address links are built from: PUBLIC_BASE_URL, else this host on PORT. */
  get publicBaseUrl(): string {
    return (this.PUBLIC_BASE_URL ?? `http://localhost:${this.PORT}`).replace(/\/+$/, '');
  }

  /** Where Google sends patients back; clinics register this exact URI with Google. */
  get googleRedirectUri(): string {
    return `${this.publicBaseUrl}/oauth/google/callback`;
  }

  get googleClientConfigured(): boolean {
    return Boolean(this.GOOGLE_CLIENT_ID && this.GOOGLE_CLIENT_SECRET);
  }

  get runsHttp(): boolean {
    return this.ROLE !== 'worker';
  }

  get runsWorkers(): boolean {
    return this.ROLE !== 'api';
  }
}

/** One problem per variable, in words an operator can act on. */
export interface ConfigurationProblem {
  variable: string;
  problem: string;
}

export class ConfigurationError extends Error {
  constructor(readonly problems: ConfigurationProblem[]) {
    super(
      `Vigil cannot start: the configuration has ${problems.length} problem(s):\n` +
        problems.map((p) => `  - ${p.variable}: ${p.problem}`).join('\n'),
    );
    this.name = 'ConfigurationError';
  }
}

// Class fields are defined even when unset, so this lists every variable.
const KNOWN_VARIABLES = Object.keys(new Environment());

/** Reads and validates the environment; throws one error listing every problem. */
export function loadEnvironment(source: NodeJS.ProcessEnv = process.env): Environment {
  const relevant: Record<string, string> = {};
  for (const name of KNOWN_VARIABLES) {
    const value = source[name];
    if (value !== undefined) relevant[name] = value;
  }
  const env = plainToInstance(Environment, relevant, { exposeDefaultValues: true });
  const problems = validateSync(env, { forbidUnknownValues: true, stopAtFirstError: true }).flatMap(
    toProblems,
  );
  if (problems.length > 0) throw new ConfigurationError(problems);
  return env;
}

function toProblems(error: ValidationError): ConfigurationProblem[] {
  return Object.values(error.constraints ?? {}).map((problem) => ({
    variable: error.property,
    problem,
  }));
}
