import { Injectable } from '@nestjs/common';
import { Strategy as OAuth2Strategy, type StateStore } from 'passport-oauth2';
import { AuditTrail } from '../../audit/audit-trail';
import { Environment } from '../../config/environment';
import { looksLikeSecret, randomSecret, sha256Hex, sameSecret } from '../../crypto/tokens';
import { JsonLogger } from '../../logging/json-logger';
import { StaffSessions } from '../staff-sessions';
import type { StaffUser } from '../staff-user.entity';
import { AuthorizationServerProblem, OpenEmrAuthorizationServer } from './authorization-server';
import type { AuthorizationServer } from './discovery';
import { checkIdToken, type OpenEmrIdentity } from './id-token';
import { OpenEmrAccounts } from './openemr-accounts';
import { StaffSignInAttempt } from './sign-in-attempt.entity';
import { SignInAttemptRepository } from './sign-in-attempt.repository';
import { OpenEmrStaffRoles } from './staff-roles';

/** Long enough to type a password (and a second factor) in OpenEMR, short enough that a leaked state is stale. */
export const ATTEMPT_MINUTES = 10;
/** `openid` for the id_token, `profile` for its `preferred_username`; nothing that reaches patient data. */
export const OPENEMR_SIGN_IN_SCOPES = ['openid', 'profile'];
/** OpenEMR that does not answer within this is treated as down. */
const PROVIDER_TIMEOUT_MS = 20_000;

/** Why a sign-in through OpenEMR was refused; each has its own page. */
export type Refusal =
  | 'not-configured'
  | 'unknown-state'
  | 'replayed'
  | 'expired'
  | 'wrong-browser'
  | 'declined'
  | 'provider-failed'
  | 'invalid-token'
  | 'unknown-user'
  | 'inactive'
  | 'no-role'
  | 'account-conflict'
  | 'disabled';

export type StartOutcome =
  { ok: true; redirectUrl: string; verifier: string } | { ok: false; refusal: Refusal };

export type CallbackOutcome =
  | { ok: true; secret: string; user: StaffUser; expiresAt: Date; next: string }
  | { ok: false; refusal: Refusal };

export interface CallbackInput {
  query: Record<string, unknown>;
  /** The PKCE verifier from the cookie set by `start` in this browser. */
  verifier: string | undefined;
}

/** The request the strategy reads: only the callback's query, never Express internals. */
interface FlowRequest {
  query: Record<string, unknown>;
  body: Record<string, unknown>;
}

type StrategyEnd =
  | { kind: 'redirect'; url: string }
  | { kind: 'success'; identity: OpenEmrIdentity; attempt: StaffSignInAttempt }
  | { kind: 'fail'; refusal: Refusal; problem?: string }
  | { kind: 'error'; error: unknown };

/**
 * Staff sign-in through OpenEMR's own OAuth2 / OpenID Connect server:
 * authorization code with PKCE (S256), driven by passport-oauth2's
 * OAuth2Strategy, with the state kept server-side and accepted once.
 *
 * Identity comes from the id_token, verified here against OpenEMR's JWKS
 * (RS256, iss, aud, exp, nonce) rather than from the userinfo endpoint: the
 * id_token is bound to this very sign-in by its nonce and to Vigil by its
 * audience, which a userinfo answer is not, and it needs no second call to
 * OpenEMR while the user waits.
 */
@Injectable()
export class OpenEmrSignIn {
  constructor(
    private readonly env: Environment,
    private readonly attempts: SignInAttemptRepository,
    private readonly server: OpenEmrAuthorizationServer,
    private readonly roles: OpenEmrStaffRoles,
    private readonly accounts: OpenEmrAccounts,
    private readonly sessions: StaffSessions,
    private readonly audit: AuditTrail,
    private readonly logger: JsonLogger,
  ) {}

  get configured(): boolean {
    return this.env.openEmrSignInConfigured;
  }

  /** The exact redirect URI to register in OpenEMR. */
  get redirectUri(): string {
    return `${this.env.publicBaseUrl}/login/openemr/callback`;
  }

  async start(next: string, now = new Date()): Promise<StartOutcome> {
    if (!this.configured) return { ok: false, refusal: 'not-configured' };
    const described = await this.describe();
    if (!described) return { ok: false, refusal: 'provider-failed' };
    // Abandoned attempts are swept here, an hour after they expired, so the table stays small.
    await this.attempts.deleteExpiredBefore(new Date(now.getTime() - 3_600_000));
    let verifier = '';
    const nonce = randomSecret();
    const store = {
      store: (
        _req: unknown,
        pkceVerifier: string,
        _state: unknown,
        _meta: unknown,
        done: (err: Error | null, state?: string) => void,
      ): void => {
        const state = randomSecret();
        verifier = pkceVerifier;
        this.attempts
          .create({
            stateHash: sha256Hex(state),
            verifierHash: sha256Hex(pkceVerifier),
            nonce,
            nextPath: next,
            createdAt: now,
            expiresAt: new Date(now.getTime() + ATTEMPT_MINUTES * 60_000),
            usedAt: null,
          })
          .then(
            () => done(null, state),
            (error: Error) => done(error),
          );
      },
      // Not reached: without a code in the query the strategy only stores.
      verify: (): void => undefined,
    };
    const end = await this.run(described, store, { query: {}, body: {} }, { nonce });
    if (end.kind !== 'redirect') return this.failed('start', end);
    return { ok: true, redirectUrl: end.url, verifier };
  }

  async complete(input: CallbackInput, now = new Date()): Promise<CallbackOutcome> {
    if (!this.configured) return { ok: false, refusal: 'not-configured' };
    // Only single string values reach the strategy; without a code or an error it would start a new sign-in.
    const query = Object.fromEntries(
      ['code', 'state', 'error', 'error_description']
        .map((name) => [name, input.query[name]])
        .filter(([, value]) => typeof value === 'string' && value.length <= 2048),
    ) as Record<string, string>;
    if (query.code === undefined && query.error === undefined) {
      await this.recordRefusal('unknown-state');
      return { ok: false, refusal: 'unknown-state' };
    }
    const described = await this.describe();
    if (!described) return { ok: false, refusal: 'provider-failed' };
    let claimed: StaffSignInAttempt | undefined;
    const store = {
      // Not reached: with a code in the query the strategy only verifies.
      store: (): void => undefined,
      verify: (
        _req: unknown,
        state: unknown,
        _meta: unknown,
        done: (err: Error | null, ok: string | false, info?: unknown) => void,
      ): void => {
        this.claim(state, input.verifier, now).then(
          (result) => {
            if (typeof result === 'string') return done(null, false, { refusal: result });
            claimed = result;
            done(null, input.verifier as string, result);
          },
          (error: Error) => done(error, false),
        );
      },
    };
    const end = await this.run(described, store, { query, body: {} }, {}, () => claimed);
    if (end.kind !== 'success') {
      const failed = this.failed('callback', end);
      await this.recordRefusal(failed.refusal);
      return failed;
    }
    const { identity, attempt } = end;
    const decision = await this.roles.roleOf(identity.username);
    if (!decision.ok) {
      await this.recordRefusal(decision.refusal, identity.username);
      return decision;
    }
    const account = await this.accounts.upsert(identity, decision.role, now);
    if (!account.ok) {
      await this.recordRefusal(account.refusal, identity.username);
      return account;
    }
    const session = await this.sessions.open(account.user, now);
    return { ok: true, ...session, next: attempt.nextPath };
  }

  /**
   * Accepts a state once: known, unexpired, unused, and from the browser that
   * started it (the hash of its cookie's verifier). A concurrent replay loses
   * the conditional update.
   */
  private async claim(
    state: unknown,
    verifier: string | undefined,
    now: Date,
  ): Promise<StaffSignInAttempt | Refusal> {
    if (typeof state !== 'string' || !looksLikeSecret(state)) return 'unknown-state';
    const attempt = await this.attempts.byStateHash(sha256Hex(state));
    if (!attempt) return 'unknown-state';
    if (attempt.usedAt) return 'replayed';
    if (attempt.expiresAt <= now) return 'expired';
    if (!looksLikeSecret(verifier) || !sameSecret(sha256Hex(verifier), attempt.verifierHash))
      return 'wrong-browser';
    return (await this.attempts.markUsed(attempt.id, now)) ? attempt : 'replayed';
  }

  /** Runs the strategy once and turns its callbacks into one awaited result. */
  private run(
    described: AuthorizationServer,
    store: object,
    req: FlowRequest,
    options: { nonce?: string },
    claimed: () => StaffSignInAttempt | undefined = () => undefined,
  ): Promise<StrategyEnd> {
    return new Promise<StrategyEnd>((resolve) => {
      const timer = setTimeout(
        () => resolve({ kind: 'error', error: new Error('OpenEMR did not answer in time') }),
        PROVIDER_TIMEOUT_MS,
      );
      const end = (result: StrategyEnd): void => {
        clearTimeout(timer);
        resolve(result);
      };
      const strategy = new OAuth2Strategy(
        {
          authorizationURL: described.authorizationEndpoint,
          tokenURL: described.tokenEndpoint,
          clientID: this.env.OPENEMR_OAUTH_CLIENT_ID ?? '',
          clientSecret: this.env.OPENEMR_OAUTH_CLIENT_SECRET ?? '',
          callbackURL: this.redirectUri,
          scope: OPENEMR_SIGN_IN_SCOPES,
          pkce: true,
          state: true,
          store: store as StateStore,
          skipUserProfile: true,
          passReqToCallback: true,
        },
        // Six parameters: the strategy passes the token response (with the id_token) only to this arity.
        (
          _req: unknown,
          _accessToken: string,
          _refreshToken: string,
          params: Record<string, unknown>,
          _profile: unknown,
          verified: (err: unknown, user?: false | object, info?: object) => void,
        ) => {
          const attempt = claimed();
          if (!attempt) return verified(new Error('no claimed sign-in attempt'));
          this.identify(params.id_token, described, attempt.nonce).then(
            (check) =>
              check.ok
                ? verified(null, check.identity)
                : verified(null, false, { refusal: 'invalid-token', problem: check.problem }),
            (error: unknown) => verified(error),
          );
        },
      );
      strategy.authorizationParams = () => (options.nonce ? { nonce: options.nonce } : {});
      const actions = {
        redirect: (url: string) => end({ kind: 'redirect', url }),
        success: (identity: OpenEmrIdentity) => {
          const attempt = claimed();
          if (attempt) end({ kind: 'success', identity, attempt });
          else end({ kind: 'error', error: new Error('no claimed sign-in attempt') });
        },
        fail: (info: unknown) =>
          end({
            kind: 'fail',
            refusal: refusalOf(info),
            problem: (info as { problem?: string } | undefined)?.problem,
          }),
        error: (error: unknown) => end({ kind: 'error', error }),
        pass: () => end({ kind: 'error', error: new Error('the strategy passed') }),
      };
      Object.assign(strategy, actions);
      try {
        strategy.authenticate(req as never, {});
      } catch (error) {
        end({ kind: 'error', error });
      }
    });
  }

  private async identify(
    idToken: unknown,
    described: AuthorizationServer,
    nonce: string,
  ): Promise<{ ok: true; identity: OpenEmrIdentity } | { ok: false; problem: string }> {
    if (typeof idToken !== 'string')
      return { ok: false, problem: 'no id_token in the token answer' };
    const expected = {
      issuer: described.issuer,
      clientId: this.env.OPENEMR_OAUTH_CLIENT_ID ?? '',
      nonce,
      now: new Date(),
    };
    const first = checkIdToken(idToken, await this.server.signingKeys(), expected);
    if (first.ok || !first.problem.startsWith('no signing key')) return first;
    // OpenEMR may have rotated its key since the set was cached.
    return checkIdToken(idToken, await this.server.signingKeys(true), expected);
  }

  private async describe(): Promise<AuthorizationServer | null> {
    try {
      return await this.server.describe();
    } catch (error) {
      this.logger.warn(
        `OpenEMR sign-in unavailable: ${error instanceof AuthorizationServerProblem ? error.message : 'error'}`,
        'OpenEmrSignIn',
      );
      return null;
    }
  }

  private failed(step: string, end: StrategyEnd): { ok: false; refusal: Refusal } {
    if (end.kind === 'fail') {
      if (end.problem) this.logger.warn(`OpenEMR sign-in refused: ${end.problem}`, 'OpenEmrSignIn');
      return { ok: false, refusal: end.refusal };
    }
    const reason =
      end.kind === 'error'
        ? end.error instanceof AuthorizationServerProblem
          ? end.error.message
          : errorName(end.error)
        : end.kind;
    this.logger.warn(`OpenEMR sign-in ${step} failed: ${reason}`, 'OpenEmrSignIn');
    return { ok: false, refusal: 'provider-failed' };
  }

  private async recordRefusal(refusal: Refusal, username?: string): Promise<void> {
    await this.audit.record({
      actor: username ? `user:${username}` : 'anonymous',
      action: 'sign_in.refused',
      subjectType: 'staff_user',
      subjectId: null,
      details: { via: 'openemr', refusal },
    });
  }
}

/** The strategy's failure info: ours carries a refusal; an OpenEMR `access_denied` carries only a message. */
function refusalOf(info: unknown): Refusal {
  const refusal = (info as { refusal?: unknown } | undefined)?.refusal;
  return typeof refusal === 'string' ? (refusal as Refusal) : 'declined';
}

/** Token-endpoint errors name the OAuth error code (such as invalid_grant), never a token. */
function errorName(error: unknown): string {
  if (!(error instanceof Error)) return 'error';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.name} ${code}` : error.name;
}
