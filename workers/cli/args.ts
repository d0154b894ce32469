import { UsageError } from '../usage-error.js';

/** Parses `a=1,b=2` (the AWS CLI shorthand) into an object. */
export function parseShorthand(flag: string, text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} expects key=value pairs separated by commas; got ${JSON.stringify(text)}`);
    result[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return result;
}

/** Parses repeated `--tag KEY=VALUE` flags. */
export function parseTags(values: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new UsageError(`--tag expects KEY=VALUE; got ${JSON.stringify(value)}`);
    tags[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return tags;
}

/** Splits repeated and comma-separated list flags: `--target-hosts a,b --target-hosts c`. */
export function parseList(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

export function parseJson(flag: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${flag} is not valid JSON: ${(err as Error).message}`);
  }
}

export function required<T>(flag: string, value: T | undefined): T {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

/**
 * aws CLI shorthand with nested maps: `type=TimeBasedCanary,timeBasedCanary={canaryPercentage=10,canaryInterval=5}`.
 * Values that are numbers become numbers.
 */
export function parseNestedShorthand(flag: string, text: string): Record<string, unknown> {
  let at = 0;
  const fail = (): never => {
    throw new UsageError(`${flag} expects key=value pairs separated by commas, with {…} for nested maps; got ${JSON.stringify(text)}`);
  };
  const map = (closing: boolean): Record<string, unknown> => {
    const result: Record<string, unknown> = {};
    for (;;) {
      const eq = text.indexOf('=', at);
      if (eq <= at) fail();
      const key = text.slice(at, eq).trim();
      at = eq + 1;
      if (text[at] === '{') {
        at += 1;
        result[key] = map(true);
      } else {
        const end = text.slice(at).search(closing ? /[,}]/ : /,/);
        const raw = (end < 0 ? text.slice(at) : text.slice(at, at + end)).trim();
        at = end < 0 ? text.length : at + end;
        result[key] = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
      }
      if (closing && text[at] === '}') {
        at += 1;
        return result;
      }
      if (at >= text.length) return closing ? fail() : result;
      if (text[at] !== ',') fail();
      at += 1;
    }
  };
  const result = map(false);
  if (at < text.length) fail();
  return result;
}
