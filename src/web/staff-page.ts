import { html, SafeHtml } from './html';

/** Who is looking at a staff page: enough for the header and the sign-out form. */
export interface StaffViewer {
  username: string;
  role: string;
  /** The session's CSRF token; every form on a staff page posts it as `_csrf`. */
  csrfToken: string;
}

export type StaffSection = 'alerts' | 'patients' | 'rules' | 'enrollments';

export interface StaffPageOptions {
  title: string;
  clinic: string;
  viewer: StaffViewer;
  section?: StaffSection;
  body: SafeHtml;
  /** Same-origin scripts under /assets (no inline scripts: the CSP forbids them). */
  scripts?: string[];
}

const NAV: Array<{ section: StaffSection; href: string; label: string }> = [
  { section: 'alerts', href: '/alerts', label: 'Alerts' },
  { section: 'enrollments', href: '/enrollments', label: 'Enrollments' },
  { section: 'rules', href: '/rules', label: 'Rules' },
];

/** Wider than the patient pages: tables and charts on a laptop or a tablet. */
const STYLE = `
:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#595959;--accent:#0b5cad;--box:#f3f6fa;--line:#d5dbe3;--urgent:#b00020;--warning:#8a5a00;--ok:#1e7b34}
@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#151515;--muted:#bbb;--accent:#7ab4ff;--box:#222a33;--line:#3a4450;--urgent:#ff8a80;--warning:#ffcc66;--ok:#7ddc8f}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
.skip{position:absolute;left:-999px}.skip:focus{left:.5rem;top:.5rem;background:var(--bg);padding:.5rem}
header{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;padding:.5rem 1.25rem;border-bottom:1px solid var(--line)}
header .brand{font-weight:700;margin-right:1rem}
header nav ul{display:flex;gap:1rem;list-style:none;margin:0;padding:0}
header nav a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
header .who{margin-left:auto;display:flex;gap:.75rem;align-items:center;color:var(--muted)}
main{max-width:72rem;margin:0 auto;padding:1rem 1.25rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
.box{background:var(--box);border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0}
.muted{color:var(--muted)}.urgent{color:var(--urgent);font-weight:600}.warning{color:var(--warning);font-weight:600}.ok{color:var(--ok)}
button,.button{padding:.45rem .9rem;font:inherit;border:0;border-radius:.4rem;background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:transparent;color:var(--accent);border:1px solid var(--accent)}
input,select,textarea{font:inherit;padding:.35rem;border:1px solid var(--line);border-radius:.3rem;background:var(--bg);color:var(--fg)}
textarea{width:100%;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9rem}
label{font-weight:600}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
`;

/** One staff page: header with navigation and sign-out, then the page's body. */
export function renderStaffPage(options: StaffPageOptions): string {
  const { viewer } = options;
  return `<!doctype html>${html`<html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="no-referrer" />
      <meta name="csrf-token" content="${viewer.csrfToken}" />
      <title>${options.title} · Vigil</title>
      <style>
        ${new SafeHtml(STYLE)}
      </style>
    </head>
    <body>
      <a class="skip" href="#main">Skip to content</a>
      <header>
        <span class="brand">Vigil <span class="muted">· ${options.clinic}</span></span>
        <nav aria-label="Main">
          <ul>
            ${NAV.map(
              (item) =>
                html`<li>
                  <a
                    href="${item.href}"
                    ${item.section === options.section ? new SafeHtml('aria-current="page"') : ''}
                    >${item.label}</a
                  >
                </li>`,
            )}
          </ul>
        </nav>
        <div class="who">
          <span>${viewer.username} (${viewer.role})</span>
          <form method="post" action="/logout">
            <input type="hidden" name="_csrf" value="${viewer.csrfToken}" />
            <button class="secondary" type="submit">Sign out</button>
          </form>
        </div>
      </header>
      <main id="main">
        <h1>${options.title}</h1>
        ${options.body}
      </main>
      ${(options.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
    </body>
  </html>`}`;
}
