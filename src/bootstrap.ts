import 'reflect-metadata';
import { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import type { Server } from 'node:http';
import { AppModule } from './app.module';
import { Environment } from './config/environment';
import { ensureMysqlDatabase } from './database/migrate';
import { migrateOnce } from './database/open-database';
import { Readiness } from './health/readiness';
import { bodyParsers } from './http/body-shape';
import { ProblemFilter } from './http/problem.filter';
import { trustProxySetting } from './http/trust-proxy';
import { requestLogging } from './http/request-logging';
import { strictValidationPipe } from './http/validation';
import { InFlightWork } from './lifecycle/in-flight-work';
import { JsonLogger, LogWriter, stdoutWriter } from './logging/json-logger';
import { startMetricsServer } from './metrics/metrics-server';

export interface VigilApp {
  app: INestApplicationContext;
  env: Environment;
  logger: JsonLogger;
  /** The HTTP address when this process serves HTTP. */
  url?: string;
  /** The Prometheus scrape address when METRICS_PORT is set. */
  metricsUrl?: string;
  /** Stops taking work, finishes in-flight work (bounded), closes the database. */
  shutdown(reason: string): Promise<void>;
}

export interface StartOptions {
  logWriter?: LogWriter;
  /** Listen on this port instead of PORT (tests use 0 for a free port). */
  port?: number;
  /** Serve metrics on this port instead of METRICS_PORT (tests use 0). */
  metricsPort?: number;
}

/**
 * Builds and starts Vigil for its ROLE: migrations first (under a lock), then
 * HTTP for `all`/`api`. Used by main.ts, the demo and the integration tests,
 * so the tests exercise exactly what production runs.
 */
export async function startVigil(env: Environment, options: StartOptions = {}): Promise<VigilApp> {
  const logger = new JsonLogger(env.LOG_LEVEL, options.logWriter ?? stdoutWriter);
  // Migrate before Nest starts: module start-up hooks (the rules-folder sync,
  // a worker's first claim) expect the schema to be there.
  if (env.DATABASE_URL && (await ensureMysqlDatabase(env.DATABASE_URL))) {
    logger.log('Created the database named in DATABASE_URL', 'Database');
  }
  const applied = await migrateOnce(env);
  if (applied.length > 0) logger.log(`Applied migrations: ${applied.join(', ')}`, 'Database');

  const module = await AppModule.forEnvironment(env, logger);
  const app = env.runsHttp
    ? await NestFactory.create<NestExpressApplication>(module, {
        logger,
        bufferLogs: false,
        bodyParser: false,
        // Our own parsers (configureHttp) check the body's shape and keep req.rawBody.
      })
    : await NestFactory.createApplicationContext(module, { logger });

  let url: string | undefined;
  let server: Server | undefined;
  if (env.runsHttp) {
    const http = app as NestExpressApplication;
    configureHttp(http, env, logger);
    await http.listen(options.port ?? env.PORT, '0.0.0.0');
    server = http.getHttpServer() as Server;
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : env.PORT;
    url = `http://127.0.0.1:${port}`;
  } else {
    await app.init();
  }
  // Every role: workers serve no HTTP but hold the sync and evaluation figures.
  const metricsPort = options.metricsPort ?? env.METRICS_PORT;
  const metrics =
    metricsPort === undefined
      ? undefined
      : await startMetricsServer(app, env.METRICS_HOST, metricsPort, logger);

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> =>
    (stopping ??= (async () => {
      logger.log(`Shutting down (${reason})`, 'Lifecycle');
      app.get(Readiness).markDraining();
      server?.close();
      server?.closeIdleConnections();
      const finished = await app.get(InFlightWork).drain(env.SHUTDOWN_TIMEOUT_MS);
      if (!finished)
        logger.warn('In-flight work did not finish in time; stopping anyway', 'Lifecycle');
      server?.closeAllConnections();
      metrics?.server.close();
      metrics?.server.closeAllConnections();
      await app.close();
    })());

  return { app, env, logger, url, metricsUrl: metrics?.url, shutdown };
}

/** HTTP middleware, pipes, filters and /docs, shared with tests that mount their own controllers. */
export function configureHttp(
  app: NestExpressApplication,
  env: Environment,
  logger: JsonLogger,
): void {
  app.use(requestLogging(logger));
  app.use(
    helmet({
      // Swagger UI at /docs needs its own inline styles; everything else is same-origin.
      contentSecurityPolicy: {
        directives: { 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'] },
      },
      hsts: env.publicBaseUrl.startsWith('https://'),
    }),
  );
  for (const parser of bodyParsers()) app.use(parser);
  app.useGlobalPipes(strictValidationPipe());
  app.useGlobalFilters(new ProblemFilter(logger));
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxySetting(env.TRUST_PROXY) ?? false);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Vigil API')
      .setDescription(
        'Wearable monitoring for OpenEMR clinics. Every /api/v1 route needs a bearer token.',
      )
      .setVersion('1')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque',
        description:
          'An API token (vgl_..., issued by an administrator with npm run cli -- token:create); not a JWT: Vigil looks it up',
      })
      .build(),
  );
  SwaggerModule.setup('docs', app as unknown as INestApplication, document, {
    jsonDocumentUrl: 'docs-json',
  });
}
