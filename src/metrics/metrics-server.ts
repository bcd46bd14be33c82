import type { INestApplicationContext } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonLogger } from '../logging/json-logger';
import { Metrics } from './metrics';
import { StoredWork } from './stored-work';

/**
 * GET /metrics on its own address (METRICS_HOST:METRICS_PORT), apart from the
 * API so it needs no token: keep it on loopback or a monitoring network.
 */
export async function startMetricsServer(
  app: INestApplicationContext,
  host: string,
  port: number,
  logger: JsonLogger,
): Promise<{ server: Server; url: string }> {
  const metrics = app.get(Metrics);
  metrics.collectProcessMetrics();
  const storedWork = app.get(StoredWork);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: try GET /metrics\n');
      return;
    }
    storedWork
      .read()
      .then((readings) => metrics.exposition(readings))
      .then((body) => res.writeHead(200, { 'content-type': metrics.contentType }).end(body))
      .catch((error: unknown) => {
        // Stale queue gauges would look healthy: fail the scrape instead.
        logger.warn(
          `Metrics scrape failed: ${error instanceof Error ? error.message : 'unknown error'}`,
          'Metrics',
        );
        res
          .writeHead(503, { 'content-type': 'text/plain' })
          .end('The stored work could not be read\n');
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  logger.log(`Metrics at http://${shown}:${bound}/metrics`, 'Metrics');
  return { server, url: `http://${shown}:${bound}/metrics` };
}
