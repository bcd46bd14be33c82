import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import type { Response } from 'express';
import { Environment } from '../config/environment';
import { randomSecret, sameSecret } from '../crypto/tokens';
import { readCookie } from '../http/cookies';
import { RateLimit } from '../http/rate-limit';
import { html } from '../web/html';
import { renderPage } from '../web/page';
import { Public } from './access.decorators';
import type { AuthenticatedRequest } from './access.guard';
import { SESSION_COOKIE, StaffSessions } from './staff-sessions';

/** Double-submit cookie for the sign-in form, which has no session yet to bind a CSRF token to. */
const SIGN_IN_COOKIE = 'vigil_sign_in';

export const SIGN_IN_REFUSED =
  'The username or password is wrong, or there were too many attempts: wait a minute and try again.';

// Decorators run bottom-up: `required` comes last so a missing field is named as missing.
const required = (field: string) => IsNotEmpty({ message: `${field} is required` });

class SignInForm {
  @IsString() @MaxLength(100) @required('username') username!: string;
  @IsString() @MaxLength(200) @required('password') password!: string;
  @IsString() @MaxLength(100) @required('_csrf') _csrf!: string;
  @IsOptional() @IsString() @MaxLength(500) next?: string;
}

class SignOutForm {
  @IsString() @MaxLength(100) @required('_csrf') _csrf!: string;
}

/** Only same-site paths: an open redirect after sign-in would be a phishing tool. */
export const safeNext = (next: string | undefined): string =>
  next && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/';

@ApiExcludeController()
@Controller()
export class SignInController {
  constructor(
    private readonly sessions: StaffSessions,
    private readonly env: Environment,
  ) {}

  @Get('login')
  @Public()
  page(@Res() res: Response, @Query('next') next?: string): void {
    this.renderForm(res, 200, safeNext(next));
  }

  @Post('login')
  @Public()
  @RateLimit(20, 60)
  @HttpCode(303)
  async signIn(
    @Body() form: SignInForm,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    const expected = readCookie(req.headers.cookie, SIGN_IN_COOKIE) ?? '';
    if (!sameSecret(form._csrf, expected)) {
      this.renderForm(res, 403, safeNext(form.next), 'The form expired. Please sign in again.');
      return;
    }
    const result = await this.sessions.signIn(
      form.username.trim(),
      form.password,
      req.ip ?? 'unknown',
    );
    if (!result.ok) {
      // One answer for unknown users, wrong passwords and held-back attempts (StaffSessions.signIn).
      this.renderForm(res, 401, safeNext(form.next), SIGN_IN_REFUSED);
      return;
    }
    res.clearCookie(SIGN_IN_COOKIE, { path: '/login' });
    res.cookie(SESSION_COOKIE, result.secret, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      path: '/',
      expires: result.expiresAt,
    });
    res.redirect(303, safeNext(form.next));
  }

  @Post('logout')
  @Public()
  // Public and unauthenticated when the session is gone: it takes input, so it is limited too.
  @RateLimit(60, 60)
  @HttpCode(303)
  async signOut(
    @Body() form: SignOutForm,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    const live = req.staffSession;
    if (live && sameSecret(form._csrf, live.csrfToken))
      await this.sessions.revoke(live.session, `user:${live.user.username}`);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/login');
  }

  @Get()
  @Public()
  home(@Req() req: AuthenticatedRequest, @Res() res: Response): void {
    const live = req.staffSession;
    if (!live) {
      res.redirect(303, '/login');
      return;
    }
    res.redirect(303, '/alerts');
  }

  private renderForm(res: Response, status: number, next: string, error?: string): void {
    const csrf = randomSecret();
    res.cookie(SIGN_IN_COOKIE, csrf, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secure,
      path: '/login',
      maxAge: 3_600_000,
    });
    res
      .status(status)
      .type('html')
      .send(
        renderPage({
          title: 'Sign in to Vigil',
          heading: this.env.CLINIC_NAME,
          body: html`${error ? html`<p class="box" role="alert">${error}</p>` : ''}
            <form method="post" action="/login">
              <input type="hidden" name="_csrf" value="${csrf}" /><input
                type="hidden"
                name="next"
                value="${next}"
              />
              <p>
                <label for="username">Username</label><br /><input
                  id="username"
                  name="username"
                  autocomplete="username"
                  required
                  autofocus
                />
              </p>
              <p>
                <label for="password">Password</label><br /><input
                  id="password"
                  name="password"
                  type="password"
                  autocomplete="current-password"
                  required
                />
              </p>
              <button type="submit">Sign in</button>
            </form>
            ${
              this.env.openEmrSignInConfigured
                ? // A link, not a form: the CSP's form-action 'self' would block the redirect to OpenEMR.
                  html`<p>
                    <a class="button" href="/login/openemr?next=${encodeURIComponent(next)}"
                      >Sign in with OpenEMR</a
                    >
                  </p>`
                : ''
            }`,
        }),
      );
  }

  private get secure(): boolean {
    return this.env.publicBaseUrl.startsWith('https://');
  }
}
