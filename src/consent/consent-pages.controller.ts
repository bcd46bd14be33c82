import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../auth/access.decorators';
import { Environment } from '../config/environment';
import { BlindRules, dataTypeWords, neverFiring } from '../ingest/blind-rules';
import { readCookie } from '../http/cookies';
import { RateLimit } from '../http/rate-limit';
import { pageSecurityPolicy } from '../web/page';
import { CallbackOutcome, ConsentFlow } from './consent-flow';
import { Disconnections } from './disconnections';
import { Invitations } from './invitations';
import * as pages from './pages';

/** Binds an OAuth attempt to the browser that started it. */
const CONSENT_COOKIE = 'vigil_consent';
const CALLBACK_PATH = '/oauth/google/callback';

/**
 * The patient's pages. They are public: each carries its own single-use link
 * token, checked in constant time. Answers are HTML, never cached.
 */
@ApiExcludeController()
@Public()
// Per page and client address: ample for a patient (or a clinic kiosk), a wall for link guessing or floods.
@RateLimit(60, 60)
@Controller()
export class ConsentPagesController {
  constructor(
    private readonly env: Environment,
    private readonly invitations: Invitations,
    private readonly flow: ConsentFlow,
    private readonly disconnections: Disconnections,
    private readonly blindRules: BlindRules,
  ) {}

  @Get('connect/:token')
  async consent(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const check = await this.invitations.check(token);
    if (!check.ok) return this.send(res, pages.invitationProblemPage(this.clinic, check.problem));
    this.send(res, pages.consentPage(this.clinic, this.flow.requestedScopes, `/connect/${token}`), [
      new URL(this.env.GOOGLE_OAUTH_AUTHORIZE_URL).origin,
    ]);
  }

  @Post('connect/:token')
  async start(
    @Param('token') token: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (!this.sameOrigin(req)) return this.send(res, pages.forbiddenOriginPage(this.clinic));
    const started = await this.flow.start(token);
    if (!started.ok) {
      return this.send(
        res,
        started.problem === 'not-configured'
          ? pages.notConfiguredPage(this.clinic)
          : pages.invitationProblemPage(this.clinic, started.problem),
      );
    }
    res.cookie(CONSENT_COOKIE, started.browserNonce, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.env.publicBaseUrl.startsWith('https://'),
      path: CALLBACK_PATH,
      maxAge: 15 * 60_000,
    });
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, started.redirectUrl);
  }

  @Get('oauth/google/callback')
  async callback(@Req() req: Request, @Res() res: Response): Promise<void> {
    const outcome = await this.flow.complete({
      state: queryString(req, 'state'),
      code: queryString(req, 'code'),
      error: queryString(req, 'error'),
      browserNonce: readCookie(req.headers.cookie, CONSENT_COOKIE),
    });
    res.clearCookie(CONSENT_COOKIE, { path: CALLBACK_PATH });
    this.send(res, await this.callbackPage(outcome));
  }

  @Get('disconnect/:token')
  async confirmDisconnect(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const connection = await this.disconnections.findByLink(token);
    this.send(
      res,
      connection
        ? pages.disconnectPage(this.clinic, `/disconnect/${token}`)
        : pages.disconnectUnknownPage(this.clinic),
    );
  }

  @Post('disconnect/:token')
  async disconnect(
    @Param('token') token: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (!this.sameOrigin(req)) return this.send(res, pages.forbiddenOriginPage(this.clinic));
    const result = await this.disconnections.byPatient(token);
    this.send(
      res,
      result
        ? pages.disconnectedPage(this.clinic, result.retention)
        : pages.disconnectUnknownPage(this.clinic),
    );
  }

  private get clinic(): string {
    return this.env.CLINIC_NAME;
  }

  private async callbackPage(outcome: CallbackOutcome): Promise<pages.Page> {
    switch (outcome.kind) {
      case 'connected':
      case 'still-connected':
        return pages.connectedPage(this.clinic, {
          scopes: outcome.scopes,
          cannotRun: await this.checksThatCannotRun(outcome.pid),
          disconnectUrl:
            outcome.kind === 'connected'
              ? `${this.env.publicBaseUrl}/disconnect/${outcome.disconnectToken}`
              : null,
        });
      case 'declined':
        return pages.declinedPage(this.clinic);
      case 'nothing-granted':
        return pages.nothingGrantedPage(this.clinic);
      case 'account-in-use':
        return pages.accountInUsePage(this.clinic);
      case 'invitation':
        return pages.invitationProblemPage(this.clinic, outcome.problem);
      default:
        return pages.callbackProblemPage(this.clinic, outcome.kind);
    }
  }

  /** The patient's rules that can never fire with what they shared. */
  private async checksThatCannotRun(pid: number): Promise<pages.CheckThatCannotRun[]> {
    return neverFiring(await this.blindRules.forPatient(pid)).map((rule) => ({
      title: rule.title,
      needs: rule.missing.map((m) => dataTypeWords(m.dataType)),
    }));
  }

  private send(res: Response, page: pages.Page, formTargets: string[] = []): void {
    res
      .status(page.status)
      .set({
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Security-Policy': pageSecurityPolicy({ formTargets }),
      })
      .send(page.body);
  }

  /**
   * A cross-site form post could start consent for someone else's invitation
   * in this browser. Browsers say where a request comes from in Sec-Fetch-Site;
   * older ones only in Origin. `Origin: null` is what sandboxed frames, data:
   * pages and some redirects send, so it counts as cross-site (a browser too
   * old for Sec-Fetch-Site, pre-2023, also sends it from our own no-referrer
   * page and sees the "start again" page).
   */
  private sameOrigin(req: Request): boolean {
    const site = req.headers['sec-fetch-site'];
    if (typeof site === 'string') return site === 'same-origin' || site === 'none';
    const origin = req.headers.origin;
    if (!origin) return true;
    const own = [
      new URL(this.env.publicBaseUrl).origin,
      `${req.protocol}://${req.headers.host ?? ''}`,
    ];
    return own.includes(origin);
  }
}

/** A single query value; repeated or missing parameters count as missing. */
function queryString(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' && value.length <= 4096 ? value : undefined;
}
