import {
  BadRequestException,
  Controller,
  Headers,
  HttpCode,
  Post,
  RawBodyRequest,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { Public } from '../auth/access.decorators';
import { Environment } from '../config/environment';
import { RateLimit } from '../http/rate-limit';
import { ThrottleCounters } from '../http/throttle-counters.repository';
import { JsonLogger } from '../logging/json-logger';
import {
  parseNotification,
  parseSignatureHeader,
  webhookSecretRefusal,
  SIGNATURE_HEADERS,
  signatureValid,
} from '../wearables/google-health/webhook-signature';
import { SyncRequests } from './sync-requests';
import { WebhookKeyset } from './webhook-keyset';

const CONTEXT = 'Webhook';

/** How long a notification's digest is remembered; a replay within it does nothing. */
export const REPLAY_WINDOW_MS = 7 * 24 * 3_600_000;

/**
 * Google Health push notifications. They carry no values, only "this user's
 * data type changed": each is authenticated (shared secret in constant time,
 * then the ECDSA signature of the raw body) and turned into an early sync.
 * Answers fast; the sync happens on a worker.
 */
@ApiExcludeController()
@Controller('webhooks')
export class GoogleHealthWebhookController {
  constructor(
    private readonly env: Environment,
    private readonly keyset: WebhookKeyset,
    private readonly requests: SyncRequests,
    private readonly logger: JsonLogger,
    private readonly seen: ThrottleCounters,
  ) {}

  @Post('google-health')
  @Public()
  // Google sends from few addresses at a steady pace; 100/s each still stops a flood.
  @RateLimit(6000, 60)
  @HttpCode(204)
  async receive(
    @Req() request: RawBodyRequest<Request>,
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    const refusal = webhookSecretRefusal(authorization, this.env.GOOGLE_HEALTH_WEBHOOK_SECRET);
    if (refusal !== null) throw new UnauthorizedException(refusal);
    const raw = request.rawBody;
    if (!raw) throw new BadRequestException('Expected a JSON body');
    const body: unknown = request.body;
    if ((body as { type?: unknown } | null)?.type === 'verification') {
      response.status(201);
      return;
    }
    if (!(await this.signedByGoogle(request, raw)))
      throw new UnauthorizedException('The webhook signature is missing or wrong');
    // A replayed notification (the same signed bytes) would force another sync and move the
    // re-read window back, spending Google quota: answered 204, nothing done.
    const digest = createHash('sha256').update(raw).digest('hex');
    if (!(await this.seen.firstSighting(digest, new Date(), REPLAY_WINDOW_MS))) {
      this.logger.log('Notification already received; ignored', CONTEXT);
      return;
    }
    const changes = parseNotification(body);
    let queued = 0;
    try {
      for (const change of changes) {
        queued += await this.requests.queueEarlySync(
          change.healthUserId,
          change.earliestDate,
          change.dataType,
        );
      }
    } catch (error) {
      await this.seen.forgetSighting(digest);
      throw error;
    }
    this.logger.log(
      `Notification: ${changes.length} change(s), ${queued} early sync(s) queued`,
      CONTEXT,
    );
  }

  private async signedByGoogle(request: Request, raw: Buffer): Promise<boolean> {
    const header = SIGNATURE_HEADERS.map((name) => request.header(name)).find(Boolean);
    const signature = parseSignatureHeader(header);
    if (!signature) return false;
    const key = await this.keyset.key(signature.keyId).catch((error: unknown) => {
      this.logger.warn(
        `Webhook keyset unavailable: ${error instanceof Error ? error.message : 'unknown error'}`,
        CONTEXT,
      );
      return undefined;
    });
    return key !== undefined && signatureValid(key, signature, raw);
  }
}
