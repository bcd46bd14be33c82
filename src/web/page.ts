import { html, SafeHtml } from './html';

export interface PageOptions {
  title: string;
  /** Shown above the title, e.g. the clinic's name. */
  heading?: string;
  body: SafeHtml;
  /** Extra origins a form on the page may submit or redirect to (e.g. Google's consent page). */
  formTargets?: string[];
}

/** Plain, readable on a phone, no external assets and no scripts. */
const STYLE = `
:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#555;--accent:#0b5cad;--box:#f3f6fa}
@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#151515;--muted:#bbb;--accent:#7ab4ff;--box:#222a33}}
*{box-sizing:border-box}
body{margin:0;font:18px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:36rem;margin:0 auto;padding:1.25rem}
h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
a{color:var(--accent);overflow-wrap:anywhere}
.clinic{color:var(--muted);font-size:1rem;margin:0}
.box{background:var(--box);border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0}
ul{padding-left:1.25rem}li{margin:.25rem 0}
button,.button{display:block;width:100%;padding:.9rem 1rem;font:inherit;font-weight:600;border:0;border-radius:.5rem;background:var(--accent);color:#fff;text-align:center;text-decoration:none;cursor:pointer}
button.secondary{background:transparent;color:var(--accent);border:2px solid var(--accent)}
.small{color:var(--muted);font-size:.9rem}
`;

/** One complete HTML document in the shared layout. */
export function renderPage(options: PageOptions): string {
  return `<!doctype html>${html`<html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="no-referrer" />
      <title>${options.title}</title>
      <style>
        ${new SafeHtml(STYLE)}
      </style>
    </head>
    <body>
      <main>
        ${options.heading ? html`<p class="clinic">${options.heading}</p>` : ''}
        <h1>${options.title}</h1>
        ${options.body}
      </main>
    </body>
  </html>`}`;
}

/**
 * The Content-Security-Policy of these pages: nothing but inline styles, and
 * forms that may go only here or to the listed origins (browsers apply
 * form-action to the redirect that follows a form post).
 */
export function pageSecurityPolicy(options: Pick<PageOptions, 'formTargets'> = {}): string {
  const targets = ["'self'", ...(options.formTargets ?? [])].join(' ');
  return `default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action ${targets}; frame-ancestors 'none'; base-uri 'none'`;
}
