import { html, SafeHtml } from '../web/html';
import { renderPage } from '../web/page';
import { layWording } from './scope-wording';

/** A rendered patient page and the HTTP status it goes with. */
export interface Page {
  status: number;
  body: string;
}

const page = (clinic: string, status: number, title: string, body: SafeHtml): Page => ({
  status,
  body: renderPage({ heading: clinic, title, body }),
});

const askClinic = (clinic: string): SafeHtml =>
  html`<p>If you still want to share your Fitbit data, ask ${clinic} for a new invitation.</p>`;

const notEmergency = html`<p class="box">
  <strong>This is not an emergency service.</strong> Nobody watches your data around the clock. If
  you feel unwell, call your clinic; in an emergency, call your local emergency number.
</p>`;

/** GET /connect/:token: what will be shared, with whom, and how to stop. */
export function consentPage(clinic: string, scopes: readonly string[], formAction: string): Page {
  return page(
    clinic,
    200,
    'Share your Fitbit data with your care team?',
    html`<p>
        ${clinic} would like to read some of your Fitbit data, through your Google account, to
        notice early when something changes and reach out to you.
      </p>
      <h2>What will be read</h2>
      <ul>
        ${scopes.map((scope) => html`<li>${layWording(scope)}</li>`)}
      </ul>
      <p class="small">On Google's page you can untick anything you do not want to share.</p>
      <h2>Who sees it</h2>
      <p>
        Your care team at ${clinic}. A computer checks your daily summaries against rules your
        clinicians set, and only tells the team when something needs attention. Your data is not
        sold or shared with anyone else.
      </p>
      ${notEmergency}
      <h2>How to stop</h2>
      <p>
        You can stop at any time: with the link on the next page and in the confirmation email, by
        asking ${clinic}, or by removing access in your Google account.
      </p>
      <form method="post" action="${formAction}">
        <button type="submit">Continue to Google</button>
      </form>`,
  );
}

const INVITATION_PROBLEMS = {
  unknown: [404, 'This link does not work', 'The link may be mistyped or incomplete.'],
  used: [410, 'This link has already been used', 'Each invitation link works once.'],
  expired: [410, 'This link has expired', 'Invitation links only work for a few days.'],
  replaced: [
    410,
    'This link has been replaced',
    'Your clinic sent you a newer invitation; use that one.',
  ],
  ended: [410, 'This link is no longer active', 'Monitoring has ended for this invitation.'],
} as const;

export function invitationProblemPage(
  clinic: string,
  problem: keyof typeof INVITATION_PROBLEMS,
): Page {
  const [status, title, why] = INVITATION_PROBLEMS[problem];
  return page(
    clinic,
    status,
    title,
    html`<p>${why}</p>
      ${askClinic(clinic)}`,
  );
}

export function notConfiguredPage(clinic: string): Page {
  return page(
    clinic,
    503,
    'Connecting is not available yet',
    html`<p>
      ${clinic} has not finished setting up Fitbit connections. Please try again later, or ask the
      clinic.
    </p>`,
  );
}

const CALLBACK_PROBLEMS = {
  'missing-state': [400, 'Something went wrong', 'The answer from Google was incomplete.'],
  'unknown-state': [400, 'Something went wrong', 'We did not recognise the answer from Google.'],
  replayed: [400, 'This step was already completed', 'This answer from Google was already used.'],
  expired: [400, 'This took too long', 'The connection has to be finished within 15 minutes.'],
  'wrong-browser': [
    400,
    'Please use the same browser',
    'The connection has to be finished in the browser where you started it.',
  ],
  'missing-code': [400, 'Something went wrong', 'Google did not send the expected answer.'],
  'code-refused': [
    400,
    'Please start again',
    'Google did not accept this answer, so nothing was saved.',
  ],
  'provider-failed': [
    502,
    'Google could not complete the connection',
    'Nothing was saved. This is usually temporary.',
  ],
} as const;

export function callbackProblemPage(clinic: string, kind: keyof typeof CALLBACK_PROBLEMS): Page {
  const [status, title, why] = CALLBACK_PROBLEMS[kind];
  return page(
    clinic,
    status,
    title,
    html`<p>${why}</p>
      ${
        kind === 'replayed'
          ? html`<p>
              Opening this page again changed nothing. If you are not sure whether you are
              connected, ask ${clinic}.
            </p>`
          : html`<p>
              Open the invitation link from ${clinic} again to start over. Nothing was shared.
            </p>`
      }`,
  );
}

export function declinedPage(clinic: string): Page {
  return page(
    clinic,
    200,
    'You chose not to share',
    html`<p>
      Nothing was shared with ${clinic}. If you change your mind, open the invitation link again
      while it is still valid.
    </p>`,
  );
}

export function nothingGrantedPage(clinic: string): Page {
  return page(
    clinic,
    200,
    'No health data was shared',
    html`<p>
        You did not allow any of the health data the clinic needs, so there is nothing for your care
        team to follow. We have let ${clinic} know.
      </p>
      <p>
        If this was a mistake, open the invitation link again and leave the boxes ticked on Google's
        page.
      </p>`,
  );
}

export function accountInUsePage(clinic: string): Page {
  return page(
    clinic,
    409,
    'This Google account is already connected',
    html`<p>
      This Google account is already connected for another patient of ${clinic}. Nothing was
      changed. Please sign in with your own Google account, or ask the clinic.
    </p>`,
  );
}

/** A rule that cannot run because the patient did not share what it reads, in lay words. */
export interface CheckThatCannotRun {
  title: string;
  /** What was not shared, e.g. "sleep". */
  needs: string[];
}

/**
 * After connecting, and when that page is opened again: what the clinic can
 * read now, which checks cannot run without what was left unticked, and how
 * to stop. The stop-sharing link is shown once (only its hash is kept).
 */
export function connectedPage(
  clinic: string,
  shared: {
    scopes: readonly string[];
    cannotRun: readonly CheckThatCannotRun[];
    /** Null when the page is opened again: the link is in the confirmation email. */
    disconnectUrl: string | null;
  },
): Page {
  return page(
    clinic,
    200,
    'You are connected',
    html`<p>${clinic} can now read:</p>
      <ul id="shared">
        ${shared.scopes.map((scope) => html`<li>${layWording(scope)}</li>`)}
      </ul>
      ${
        shared.cannotRun.length > 0
          ? html`<section class="box" id="cannot-run">
              <h2>Checks that cannot run</h2>
              <p>
                You did not share everything these checks read, so your care team will not be
                alerted by them:
              </p>
              <ul>
                ${shared.cannotRun.map(
                  (check) =>
                    html`<li>${check.title} (needs your ${check.needs.join(' and ')})</li>`,
                )}
              </ul>
              <p>
                If you want them, ask ${clinic} for a new invitation and leave those boxes ticked.
              </p>
            </section>`
          : ''
      }
      ${notEmergency}
      ${
        shared.disconnectUrl === null
          ? html`<p>
              To stop sharing at any time, use the link from your first confirmation page or your
              confirmation email, ask ${clinic}, or remove access in your Google account.
            </p>`
          : html`<p>
                To stop sharing at any time, keep this link (it is also in your confirmation email
                if the clinic has your address):
              </p>
              <p><a href="${shared.disconnectUrl}">${shared.disconnectUrl}</a></p>`
      }`,
  );
}

export function disconnectPage(clinic: string, formAction: string): Page {
  return page(
    clinic,
    200,
    'Stop sharing your Fitbit data?',
    html`<p>
        ${clinic} will stop reading your Fitbit data and remove its access to your Google account.
        You can connect again later with a new invitation.
      </p>
      <form method="post" action="${formAction}">
        <button type="submit">Stop sharing</button>
      </form>`,
  );
}

export function disconnectedPage(clinic: string, retention: 'keep' | 'purge'): Page {
  return page(
    clinic,
    200,
    'You have stopped sharing',
    html`<p>
        ${clinic} no longer reads your Fitbit data, and its access to your Google account has been
        removed.
      </p>
      <p>
        ${
          retention === 'purge'
            ? 'The daily summaries already collected have been deleted.'
            : 'The daily summaries already collected stay in your record at the clinic, like other notes.'
        }
      </p>`,
  );
}

export function disconnectUnknownPage(clinic: string): Page {
  return page(
    clinic,
    404,
    'This link does not work',
    html`<p>
      The link may be mistyped, or sharing has already stopped. If you want to be sure, ask
      ${clinic}.
    </p>`,
  );
}

export function forbiddenOriginPage(clinic: string): Page {
  return page(
    clinic,
    403,
    'Please use the link directly',
    html`<p>This form can only be sent from ${clinic}'s own page. Open your link again.</p>`,
  );
}
