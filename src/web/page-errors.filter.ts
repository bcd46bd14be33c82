import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import type { AuthenticatedRequest } from '../auth/access.guard';
import { Environment } from '../config/environment';
import { InvalidInputException, ProblemFilter } from '../http/problem.filter';
import { JsonLogger } from '../logging/json-logger';
import { html } from './html';
import { sendStaffPage } from './staff-responses';
import type { StaffSection } from './staff-page';

const TITLES: Record<number, string> = {
  400: 'This address is not valid',
  403: 'You do not have access to this page',
  404: 'Not found',
  409: 'This was refused',
};

/** Where a page's error sends the reader back to: the list its address belongs under. */
const SECTIONS: [string, StaffSection, string, string][] = [
  ['/alerts', 'alerts', '/alerts', 'the alert inbox'],
  ['/enrollments', 'enrollments', '/enrollments', 'enrollments'],
  ['/rules', 'rules', '/rules', 'the rules'],
  ['/patients', 'patients', '/enrollments', 'enrollments'],
];

/**
 * Errors of the staff pages as pages in the clinic's layout (a person reads
 * them), saying what was wrong and where; the API keeps its JSON problems.
 * A signed-out browser is sent to sign in, as everywhere else.
 */
@Injectable()
@Catch(HttpException)
export class StaffPageErrors implements ExceptionFilter {
  private readonly problems: ProblemFilter;

  constructor(
    private readonly env: Environment,
    logger: JsonLogger,
  ) {
    this.problems = new ProblemFilter(logger);
  }

  catch(exception: HttpException, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<AuthenticatedRequest>();
    const res = host.switchToHttp().getResponse<Response>();
    const status = exception.getStatus();
    // Sign-in redirects, and any caller that is not a browser (a script, a test) get the API's problem.
    if (status === 401 || !/\btext\/html\b/.test(String(req.headers.accept ?? ''))) {
      this.problems.catch(exception, host);
      return;
    }
    const problems = exception instanceof InvalidInputException ? exception.problems : [];
    const [, section, back, backWords] =
      SECTIONS.find(([prefix]) => req.path.startsWith(prefix)) ?? SECTIONS[0];
    const body = html`<div class="box" role="alert">
        <p><strong>${messageOf(exception)}</strong></p>
        ${
          problems.length > 0
            ? html`<ul>
                ${problems.map((p) => html`<li><code>${p.path}</code>: ${p.message}</li>`)}
              </ul>`
            : ''
        }
      </div>
      <p><a href="${back}">Back to ${backWords}</a></p>`;
    sendStaffPage(req, res, this.env.CLINIC_NAME, {
      status,
      title: TITLES[status] ?? `Error ${status}`,
      section,
      body,
    });
  }
}

function messageOf(exception: HttpException): string {
  const body = exception.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join('; ');
  return exception.message;
}
