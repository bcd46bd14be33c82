const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*)\s*\}\}/g;

/** Names a message template refers to, in order of appearance. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1]);
}

/** Placeholders filled with words rather than a fact value (see RuleEvaluator). */
export const TEXT_PLACEHOLDERS = ['streamStatus'] as const;
export type TextPlaceholder = (typeof TEXT_PLACEHOLDERS)[number];

function format(value: number | string | null | undefined): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'no data';
  return String(Math.round(value * 10) / 10);
}

export type MessageRenderer = (facts: Record<string, number | string | null>) => string;

/**
 * Compiles a template once per rule and set of params: `{{name}}` becomes a fact
 * value (one decimal, "no data" when missing), `{{params.name}}` a param value.
 */
export function compileMessage(template: string, params: Record<string, number>): MessageRenderer {
  // split() with a capturing group alternates text and placeholder names.
  const parts = template.split(PLACEHOLDER);
  return (facts) => {
    let message = parts[0];
    for (let i = 1; i < parts.length; i += 2) {
      const name = parts[i];
      const isParam = name.startsWith('params.');
      const source: Record<string, number | string | null> = isParam ? params : facts;
      const key = isParam ? name.slice('params.'.length) : name;
      message += format(Object.hasOwn(source, key) ? source[key] : undefined) + parts[i + 1];
    }
    return message;
  };
}
