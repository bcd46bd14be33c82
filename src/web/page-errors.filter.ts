import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import type { AuthenticatedRequest } from '../auth/access.guard';
import { Environment } from '../config/environment';
import { InvalidInputException } from '../http/problem.filter';
import { html } from './html';
import { sendStaffPage } from './staff-responses';
import type { StaffSection } from './staff-page';

const TITLES: Record<number, string> = {
  400: 'This address is not valid',
  403: 'You do not have access to this page',
  404: 'Not found',
  409: 'This was refused',
};

const SECTIONS: [string, StaffSection][] = [
  ['/alerts', 'alerts'],
  ['/enrollments', 'enrollments'],
  ['/rules', 'rules'],
  ['/patients', 'patients'],
];

/**
 * Errors of the staff pages as pages in the clinic's layout (a person reads
 * them), saying what was wrong and where; the API keeps its JSON problems.
 * A signed-out browser is sent to sign in, as everywhere else.
 */
@Injectable()
@Catch(HttpException)
export class StaffPageErrors implements ExceptionFilter {
  constructor(private readonly env: Environment) {}

  catch(exception: HttpException, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<AuthenticatedRequest>();
    const res = host.switchToHttp().getResponse<Response>();
    const status = exception.getStatus();
    if (status === 401) {
      res.redirect(303, `/login?next=${encodeURIComponent(req.method === 'GET' ? req.originalUrl : '/')}`);
      return;
    }
    const problems = exception instanceof InvalidInputException ? exception.problems : [];
    const section = SECTIONS.find(([prefix]) => req.path.startsWith(prefix))?.[1] ?? 'alerts';
    const body = html`<div class="box" role="alert">
        <p><strong>${messageOf(exception)}</strong></p>
        ${problems.length > 0
          ? html`<ul>
              ${problems.map((p) => html`<li><code>${p.path}</code>: ${p.message}</li>`)}
            </ul>`
          : ''}
      </div>
      <p><a href="/${section}">Back to ${section}</a></p>`;
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
