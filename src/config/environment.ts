import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  validateSync,
  ValidationError,
} from 'class-validator';

export const PROCESS_ROLES = ['all', 'api', 'worker'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const emptyToUndefined = ({ value }: { value: unknown }): unknown =>
  value === '' ? undefined : value;

/**
 * Every variable Vigil reads, validated once at start. `.env.example` and the
 * README's configuration table document the same list: keep the three in step.
 */
export class Environment {
  /** HTTP port of the API and web pages. */
  @Transform(toInt)
  @IsInt({ message: 'PORT must be a whole number between 1 and 65535' })
  @Min(1, { message: 'PORT must be a whole number between 1 and 65535' })
  @Max(65535, { message: 'PORT must be a whole number between 1 and 65535' })
  PORT = 3000;

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

  /** The address links are built from: PUBLIC_BASE_URL, else this host on PORT. */
  get publicBaseUrl(): string {
    return (this.PUBLIC_BASE_URL ?? `http://localhost:${this.PORT}`).replace(/\/+$/, '');
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
