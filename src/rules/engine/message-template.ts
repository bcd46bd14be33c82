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

export type MessageRenderer = (
  facts: Readonly<Record<string, number | null>>,
  texts?: Readonly<Partial<Record<TextPlaceholder, string>>>,
) => string;

/**
 * Compiles a template once per rule and set of params: `{{name}}` becomes a fact
 * value (one decimal, "no data" when missing) or a text given for it (which
 * wins), `{{params.name}}` a param value.
 */
export function compileMessage(template: string, params: Record<string, number>): MessageRenderer {
  // split() with a capturing group alternates text and placeholder names.
  const parts = template.split(PLACEHOLDER);
  return (facts, texts) => {
    let message = parts[0];
    for (let i = 1; i < parts.length; i += 2) {
      const name = parts[i];
      const isParam = name.startsWith('params.');
      const key = isParam ? name.slice('params.'.length) : name;
      const source: Readonly<Record<string, number | string | null | undefined>> = isParam
        ? params
        : texts !== undefined && Object.hasOwn(texts, key)
          ? texts
          : facts;
      message += format(Object.hasOwn(source, key) ? source[key] : undefined) + parts[i + 1];
    }
    return message;
  };
}
