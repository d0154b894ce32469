/**
 * The `permissions` section of appspec.yml: parsing and validation of object, pattern, except, type,
 * owner, group, mode, acls and context, with the CodeDeploy agent's rules (appspec-vectors §2.5–2.8).
 * Errors are AppSpecErrors whose message names the entry, the field and the bad value.
 */
import { isRecord, scalarText, show } from '../workflows/contracts/values.js';

/** A scalar value as text (`owner: 1000` is "1000"); a list or a mapping is refused, naming the field. */
function text(value: unknown, where: string): string {
  const result = scalarText(value);
  if (result === undefined) throw new PermissionSpecError(`${where} must be a string; got ${show(value)}`);
  return result;
}

export type PermissionObjectType = 'file' | 'directory';

export interface PermissionMode {
  /** The mode as written, left-padded to three digits ("644", "6763"). */
  text: string;
  /** The numeric mode, including setuid/setgid/sticky bits. */
  bits: number;
}

export type AclEntryType = 'user' | 'group' | 'mask' | 'other';

export interface AclEntry {
  isDefault: boolean;
  type: AclEntryType;
  /** User or group name; '' for the unnamed (base or mask) entries. */
  name: string;
  /** Three characters in setfacl form, e.g. "rw-". */
  perms: string;
}

export interface SelinuxRange {
  low: number;
  high: number;
  /** Sorted category numbers (0–1023), absent when the range has none. */
  categories?: number[];
}

export interface SelinuxContext {
  user?: string;
  type: string;
  range?: SelinuxRange;
}

export interface Permission {
  object: string;
  /** `**` (the default) matches at any depth; any other pattern is a `*` glob over direct children. */
  pattern: string;
  except: string[];
  types: PermissionObjectType[];
  owner?: string;
  group?: string;
  mode?: PermissionMode;
  acls?: AclEntry[];
  context?: SelinuxContext;
}

/** Raised for a bad permissions entry; appspec.ts turns it into an AppSpecError with the file name. */
export class PermissionSpecError extends Error {
  override readonly name = 'PermissionSpecError';
}



export function parsePermissions(raw: unknown): Permission[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new PermissionSpecError(`'permissions' must be a list of entries with an 'object'; got ${show(raw)}`);
  return raw.map((entry, index) => parsePermission(entry, `permissions[${index}]`));
}

function parsePermission(entry: unknown, where: string): Permission {
  if (!isRecord(entry)) throw new PermissionSpecError(`${where} must be a mapping with an 'object'; got ${show(entry)}`);
  const object = entry.object === undefined || entry.object === null ? '' : text(entry.object, `${where}.object`).trim();
  if (!object) throw new PermissionSpecError(`${where} has no 'object': say which file or directory it applies to.`);
  const permission: Permission = {
    object,
    pattern: entry.pattern === undefined || entry.pattern === null ? '**' : text(entry.pattern, `${where}.pattern`),
    except: stringList(entry.except, `${where}.except`, []),
    types: parseTypes(entry.type, `${where}.type`),
  };
  if (entry.owner !== undefined && entry.owner !== null) permission.owner = text(entry.owner, `${where}.owner`);
  if (entry.group !== undefined && entry.group !== null) permission.group = text(entry.group, `${where}.group`);
  if (entry.mode !== undefined && entry.mode !== null) permission.mode = parseMode(entry.mode, `${where}.mode`);
  if (entry.acls !== undefined && entry.acls !== null) {
    permission.acls = stringList(entry.acls, `${where}.acls`, []).map((ace) => parseAclEntry(ace, `${where}.acls`));
  }
  if (entry.context !== undefined && entry.context !== null) permission.context = parseContext(entry.context, `${where}.context`);
  return permission;
}

function stringList(raw: unknown, where: string, fallback: string[]): string[] {
  if (raw === undefined || raw === null) return fallback;
  if (!Array.isArray(raw)) throw new PermissionSpecError(`${where} must be a list; got ${show(raw)}`);
  return raw.map((item, i) => text(item, `${where}[${i}]`));
}

function parseTypes(raw: unknown, where: string): PermissionObjectType[] {
  const types = stringList(raw, where, ['file', 'directory']);
  for (const type of types) {
    if (type !== 'file' && type !== 'directory') {
      throw new PermissionSpecError(`${where} lists ${show(type)}; permissions apply only to types "file" and "directory".`);
    }
  }
  return types as PermissionObjectType[];
}

/**
 * A mode is one to four octal digits, left-padded to three. Note YAML 1.1: an unquoted `0644` is the
 * octal number 420, which the agent then reads as the digits "420"; `0755` becomes 493 and is refused.
 */
export function parseMode(raw: unknown, where: string): PermissionMode {
  const text = scalarText(raw) ?? '';
  if (text.length < 1 || text.length > 4) {
    throw new PermissionSpecError(`${where} ${show(raw)} must be one to four octal digits, such as "644" or "2775".`);
  }
  const bad = [...text].find((c) => c < '0' || c > '7');
  if (bad !== undefined) {
    const hint =
      typeof raw === 'number' ? ' (YAML reads an unquoted number with a leading zero as octal, so quote modes: mode: "0755")' : '';
    throw new PermissionSpecError(`${where} ${show(raw)} contains ${show(bad)}, which is not an octal digit${hint}.`);
  }
  const padded = text.padStart(3, '0');
  return { text: padded, bits: Number.parseInt(padded, 8) };
}

const ACL_TYPES: Record<string, AclEntryType> = { u: 'user', user: 'user', g: 'group', group: 'group', m: 'mask', mask: 'mask', o: 'other', other: 'other' };

function parseAclPerms(text: string, ace: string, where: string): string {
  if (/^[0-7]$/.test(text)) {
    const bits = Number(text);
    return `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${bits & 1 ? 'x' : '-'}`;
  }
  const bad = [...text].find((c) => !'rwx-'.includes(c));
  if (bad !== undefined) throw new PermissionSpecError(`${where} entry ${show(ace)}: ${show(bad)} is not a permission (use r, w, x, - or one octal digit).`);
  return `${text.includes('r') ? 'r' : '-'}${text.includes('w') ? 'w' : '-'}${text.includes('x') ? 'x' : '-'}`;
}

/**
 * One ACL entry in setfacl syntax, `[d[efault]:][u[ser]|g[roup]|m[ask]|o[ther]:][name]:perms`, read as
 * the agent reads it: two parts are `name:perms` for a user (or `m:perms`), and base entries (unnamed
 * user, group and other, outside defaults) are refused because `mode` sets them.
 */
export function parseAclEntry(ace: string, where: string): AclEntry {
  const invalid = (): PermissionSpecError =>
    new PermissionSpecError(`${where} entry ${show(ace)} is not a valid ACL entry ([d:][u|g|m|o]:[name]:rwx).`);
  let parts = ace.split(':');
  if (parts.length < 2 || parts.length > 4) throw invalid();
  let isDefault = false;
  if (parts.length === 4 || (parts.length === 3 && (parts[0] === 'd' || parts[0] === 'default'))) {
    if (parts[0] !== 'd' && parts[0] !== 'default') throw invalid();
    isDefault = true;
    parts = parts.slice(1);
  }
  let type: AclEntryType;
  let name: string;
  let perms: string;
  if (parts.length === 3) {
    const known = ACL_TYPES[parts[0] ?? ''];
    if (!known) throw invalid();
    [type, name, perms] = [known, parts[1] ?? '', parts[2] ?? ''];
  } else {
    const first = parts[0] ?? '';
    const second = parts[1] ?? '';
    if (ACL_TYPES[first] === 'mask' || ACL_TYPES[first] === 'other') [type, name, perms] = [ACL_TYPES[first], '', second];
    else [type, name, perms] = ['user', first, second];
  }
  if ((type === 'mask' || type === 'other') && name !== '') throw invalid();
  if (!isDefault && name === '' && type !== 'mask') {
    throw new PermissionSpecError(`${where} entry ${show(ace)} sets a base entry (owner, group or other); use 'mode' for those.`);
  }
  return { isDefault, type, name, perms: parseAclPerms(perms, ace, where) };
}

export function aclEntryText(entry: AclEntry): string {
  return `${entry.isDefault ? 'default:' : ''}${entry.type}:${entry.name}:${entry.perms}`;
}

function parseContext(raw: unknown, where: string): SelinuxContext {
  if (!isRecord(raw) || raw.type === undefined || raw.type === null || text(raw.type, `${where}.type`).trim() === '') {
    throw new PermissionSpecError(`${where} must give an SELinux 'type' (and optionally 'name' and 'range'); got ${show(raw)}`);
  }
  const context: SelinuxContext = { type: text(raw.type, `${where}.type`) };
  // The agent reads the SELinux user from `name`; the AWS docs call it `user`. Gantry accepts both.
  const user = raw.name ?? raw.user;
  if (user !== undefined && user !== null) context.user = text(user, `${where}.user`);
  if (raw.role !== undefined && raw.role !== null) throw new PermissionSpecError(`${where}.role is not supported: SELinux roles cannot be set per file.`);
  if (raw.range !== undefined && raw.range !== null) context.range = parseSelinuxRange(text(raw.range, `${where}.range`), `${where}.range`);
  return context;
}

/** `s<low>[-s<high>][:c<n>[.c<m>](,…)]`, sensitivities ascending, categories 0–1023 without repeats. */
export function parseSelinuxRange(text: string, where: string): SelinuxRange {
  const fail = (why: string): PermissionSpecError => new PermissionSpecError(`${where} ${show(text)} is not a valid SELinux range: ${why}.`);
  const colon = text.indexOf(':');
  const levels = colon === -1 ? text : text.slice(0, colon);
  const categoryText = colon === -1 ? undefined : text.slice(colon + 1);
  const sensitivity = (part: string): number => {
    if (!/^s\d+$/.test(part)) throw fail(`${show(part)} is not a sensitivity (s0, s1, …)`);
    return Number(part.slice(1));
  };
  const levelParts = levels.split('-');
  if (levelParts.length > 2 || levelParts.some((p) => p === '')) throw fail(`${show(levels)} must be s<low> or s<low>-s<high>`);
  const low = sensitivity(levelParts[0] ?? '');
  const high = levelParts.length === 2 ? sensitivity(levelParts[1] ?? '') : low;
  if (high < low) throw fail(`the high sensitivity s${high} is below the low one s${low}`);
  const range: SelinuxRange = { low, high };
  if (categoryText === undefined) return range;
  if (categoryText === '') throw fail('nothing follows the ":"');
  const category = (part: string): number => {
    if (!/^c\d+$/.test(part) || Number(part.slice(1)) > 1023) throw fail(`${show(part)} is not a category (c0 to c1023)`);
    return Number(part.slice(1));
  };
  const seen = new Set<number>();
  for (const group of categoryText.split(',')) {
    const bounds = group.split('.');
    if (bounds.length > 2 || bounds.some((b) => b === '')) throw fail(`${show(group)} must be c<n> or c<n>.c<m>`);
    const from = category(bounds[0] ?? '');
    const to = bounds.length === 2 ? category(bounds[1] ?? '') : from;
    if (to < from) throw fail(`the category range ${show(group)} runs backwards`);
    for (let c = from; c <= to; c += 1) {
      if (seen.has(c)) throw fail(`category c${c} is listed more than once`);
      seen.add(c);
    }
  }
  range.categories = [...seen].sort((a, b) => a - b);
  return range;
}

/** The range in SELinux notation, consecutive categories collapsed (s3-s7:c5,c8.c10). */
export function selinuxRangeText(range: SelinuxRange): string {
  let text = range.high === range.low ? `s${range.low}` : `s${range.low}-s${range.high}`;
  if (!range.categories?.length) return text;
  const groups: string[] = [];
  let start = range.categories[0] ?? 0;
  let prev = start;
  for (const c of [...range.categories.slice(1), Number.NaN]) {
    if (c === prev + 1) {
      prev = c;
      continue;
    }
    groups.push(start === prev ? `c${start}` : `c${start}.c${prev}`);
    start = c;
    prev = c;
  }
  text += `:${groups.join(',')}`;
  return text;
}
