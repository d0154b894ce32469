/** Small helpers for checking untrusted JSON/YAML values and quoting them in error messages. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * C0 controls and DEL, NUL included. A path with one cannot be written to a line-per-path list (a
 * newline splits it) nor shown safely to operators and scripts, so agents never create one.
 */
export function hasControlCharacter(text: string): boolean {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return /[\u0000-\u001f\u007f]/.test(text);
}

/** How much of a value an error message quotes: enough to recognise it, never the whole of a huge one. */
const SHOWN_CHARACTERS = 120;

/**
 * A value as it appears in an error message: JSON where possible (strings quoted), the YAML/JS name
 * of a non-finite number (JSON would say null), and cut short when long, saying how long it was.
 */
export function show(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN (not a number)' : `${value < 0 ? '-' : ''}infinity (a number too large to use)`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > SHOWN_CHARACTERS ? `${text.slice(0, SHOWN_CHARACTERS)}… (${text.length} characters)` : text;
}

/** Problems reported at once; the rest are counted, so a message stays small whatever the input. */
const PROBLEMS_SHOWN = 10;

/** Joins validation problems into one bounded message: the first few in full, then how many more. */
export function joinProblems(problems: readonly string[]): string {
  const shown = problems.slice(0, PROBLEMS_SHOWN).map((p) => (p.length > 400 ? `${p.slice(0, 400)}…` : p));
  const more = problems.length - shown.length;
  return more > 0 ? `${shown.join('; ')}; and ${more} more problem${more === 1 ? '' : 's'}` : shown.join('; ');
}

/**
 * A YAML/JSON scalar as text, as Ruby's to_s reads it (`1000` is "1000", `true` is "true"); undefined
 * for a list, a mapping or a non-finite number, which callers refuse rather than turn into "a,b",
 * "[object Object]" or "Infinity".
 */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return String(value);
  return undefined;
}
