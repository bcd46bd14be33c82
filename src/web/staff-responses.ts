import type { Response } from 'express';
import type { AuthenticatedRequest } from '../auth/access.guard';
import type { SafeHtml } from './html';
import { renderStaffPage, type StaffSection } from './staff-page';
import { viewerOf } from './viewer';

export interface StaffPageReply {
  status: number;
  title: string;
  section: StaffSection;
  body: SafeHtml;
  scripts?: string[];
  /** The page holds something no cache may keep a copy of (an invitation link). */
  noStore?: boolean;
}

/** Answers with a staff page in the clinic's layout, for the signed-in viewer. */
export function sendStaffPage(
  req: AuthenticatedRequest,
  res: Response,
  clinic: string,
  reply: StaffPageReply,
): void {
  if (reply.noStore) res.set('Cache-Control', 'no-store');
  res
    .status(reply.status)
    .type('html')
    .send(
      renderStaffPage({
        title: reply.title,
        clinic,
        viewer: viewerOf(req),
        section: reply.section,
        body: reply.body,
        scripts: reply.scripts,
      }),
    );
}
