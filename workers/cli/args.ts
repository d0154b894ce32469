import { UsageError } from '../deployments.js';

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
