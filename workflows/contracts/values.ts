/** Small helpers for checking untrusted JSON/YAML values and quoting them in error messages. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as it appears in an error message: JSON where possible (strings quoted). */
export function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}
