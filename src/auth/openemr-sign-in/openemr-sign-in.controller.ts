import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Environment } from '../../config/environment';
import { readCookie } from '../../http/cookies';
import { RateLimit } from '../../http/rate-limit';
import { html } from '../../web/html';
import { renderPage } from '../../web/page';
import { Public } from '../access.decorators';
import { safeNext } from '../sign-in.controller';
import { SESSION_COOKIE } from '../staff-sessions';
import { ATTEMPT_MINUTES, OpenEmrSignIn, type Refusal } from './openemr-sign-in';

/** Holds the PKCE verifier between leaving for OpenEMR and coming back; Lax, since the return is a cross-site navigation. */
export const OPENEMR_SIGN_IN_COOKIE = 'vigil_openemr_sign_in';
const COOKIE_PATH = '/login/openemr';

const AGAIN = 'Start again from the sign-in page.';
const REFUSALS: Record<Refusal, [number, string]> = {
  'not-configured': [404, 'Signing in with OpenEMR is not set up here. Use your Vigil account.'],
  'unknown-state': [400, `This sign-in was not started here, or its link is incomplete. ${AGAIN}`],
  replayed: [400, `This sign-in was already used. ${AGAIN}`],
  expired: [400, `This sign-in took too long and expired. ${AGAIN}`],
  'wrong-browser': [
    400,
    `This sign-in was started in another browser (or its cookie was lost). ${AGAIN}`,
  ],
  declined: [403, `OpenEMR did not sign you in. ${AGAIN}`],
  'provider-failed': [
    502,
    'OpenEMR could not be reached, or refused to complete the sign-in. Try again in a moment; if it keeps failing, tell the administrator.',
  ],
  'invalid-token': [
    403,
    "OpenEMR's answer could not be verified, so you were not signed in. Tell the administrator.",
  ],
  'unknown-user': [403, 'Your OpenEMR user was not found in OpenEMR. Ask the administrator.'],
  inactive: [
    403,
    'Your OpenEMR user is inactive, so it cannot sign in to Vigil. Ask the OpenEMR administrator.',
  ],
  'no-role': [
    403,
    'Your OpenEMR user has no role in Vigil (no mapped OpenEMR group). Ask the administrator to give you one.',
  ],
  'account-conflict': [
    409,
    'Another Vigil account already uses your OpenEMR username, so you were not signed in. Ask the administrator.',
  ],
  disabled: [403, 'Your Vigil account is disabled. Ask the administrator.'],
};

/** Signing in with an OpenEMR account: off to OpenEMR's sign-in page, and back. */
@ApiExcludeController()
@Controller('login/openemr')
export class OpenEmrSignInController {
  constructor(
    private readonly signIn: OpenEmrSignIn,
    private readonly env: Environment,
  ) {}

  // A flood guard only: nothing here can be guessed (256-bit state and verifier), and a
  // clinic's staff often share one address at the start of a shift.
  @Get()
  @Public()
  @RateLimit(60, 60)
  async start(@Res() res: Response, @Query('next') next?: unknown): Promise<void> {
    const outcome = await this.signIn.start(safeNext(typeof next === 'string' ? next : undefined));
    if (!outcome.ok) {
      this.refuse(res, outcome.refusal);
      return;
    }
    res.cookie(OPENEMR_SIGN_IN_COOKIE, outcome.verifier, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      path: COOKIE_PATH,
      maxAge: ATTEMPT_MINUTES * 60_000,
    });
    res.redirect(303, outcome.redirectUrl);
  }

  @Get('callback')
  @Public()
  @RateLimit(60, 60)
  async callback(@Req() req: Request, @Res() res: Response): Promise<void> {
    const outcome = await this.signIn.complete({
      query: req.query as Record<string, unknown>,
      verifier: readCookie(req.headers.cookie, OPENEMR_SIGN_IN_COOKIE),
    });
    res.clearCookie(OPENEMR_SIGN_IN_COOKIE, { path: COOKIE_PATH });
    if (!outcome.ok) {
      this.refuse(res, outcome.refusal);
      return;
    }
    res.cookie(SESSION_COOKIE, outcome.secret, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      path: '/',
      expires: outcome.expiresAt,
    });
    res.redirect(303, outcome.next);
  }

  private refuse(res: Response, refusal: Refusal): void {
    const [status, message] = REFUSALS[refusal];
    res
      .status(status)
      .type('html')
      .send(
        renderPage({
          title: 'Not signed in',
          heading: this.env.CLINIC_NAME,
          body: html`<p class="box" role="alert">${message}</p>
            <p><a href="/login">Back to the sign-in page</a></p>`,
        }),
      );
  }

  private get secure(): boolean {
    return this.env.publicBaseUrl.startsWith('https://');
  }
}
