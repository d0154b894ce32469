import { HOST_ID_PATTERN } from './naming.js';
import { isRecord, show } from './values.js';

/** CodeDeploy's tag filter (EC2TagFilter / TagFilter). */
export interface TagFilter {
  Key?: string;
  Value?: string;
  Type: 'KEY_ONLY' | 'VALUE_ONLY' | 'KEY_AND_VALUE';
}

/**
 * Which hosts a deployment targets, resolved once when it starts. `tagFilters` (a host matches any
 * filter) and `tagSet` (a host matches at least one filter in every group) are CodeDeploy's and are
 * mutually exclusive; `targetHosts` names hosts explicitly and adds to a tag selection.
 */
export interface TargetSelection {
  targetHosts?: string[];
  tagFilters?: TagFilter[];
  tagSet?: TagFilter[][];
}

const TYPES = ['KEY_ONLY', 'VALUE_ONLY', 'KEY_AND_VALUE'];
const MAX_TAG_GROUPS = 3;
const MAX_TAGS_PER_GROUP = 10;

function checkFilter(field: string, filter: unknown, problems: string[]): void {
  if (!isRecord(filter)) {
    problems.push(`${field} must be an object like {"Key": "env", "Value": "prod", "Type": "KEY_AND_VALUE"}; got ${show(filter)}`);
    return;
  }
  const { Key, Value, Type } = filter;
  if (!TYPES.includes(String(Type))) problems.push(`${field}.Type must be KEY_ONLY, VALUE_ONLY or KEY_AND_VALUE; got ${show(Type)}`);
  const needsKey = Type === 'KEY_ONLY' || Type === 'KEY_AND_VALUE';
  const needsValue = Type === 'VALUE_ONLY' || Type === 'KEY_AND_VALUE';
  if (needsKey && (typeof Key !== 'string' || Key.length === 0 || Key.length > 128)) {
    problems.push(`${field}.Key must be 1-128 characters for ${String(Type)}; got ${show(Key)}`);
  }
  if (needsValue && (typeof Value !== 'string' || Value.length > 256)) {
    problems.push(`${field}.Value must be a string of at most 256 characters for ${String(Type)}; got ${show(Value)}`);
  }
}

/** Checks a target selection; one message per problem, naming the field. */
export function validateTargetSelection(selection: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const { targetHosts: hosts, tagFilters, tagSet } = selection;
  if (tagFilters !== undefined && tagSet !== undefined) {
    problems.push('give tagFilters or tagSet, not both (CodeDeploy treats them as mutually exclusive)');
  }
  if (hosts === undefined && tagFilters === undefined && tagSet === undefined) {
    problems.push('targets are required: targetHosts (host IDs), tagFilters or tagSet');
  }
  if (hosts !== undefined) {
    if (!Array.isArray(hosts) || (hosts.length === 0 && tagFilters === undefined && tagSet === undefined)) {
      problems.push(`targetHosts must be a non-empty list of host IDs; got ${show(hosts)}`);
    } else {
      const seen = new Set<string>();
      for (const host of hosts as unknown[]) {
        if (typeof host !== 'string' || !HOST_ID_PATTERN.test(host)) {
          problems.push(`targetHosts entry ${show(host)} is not a valid host ID (letters, digits, . _ -; at most 128)`);
        } else if (seen.has(host)) {
          problems.push(`targetHosts lists ${host} more than once`);
        } else {
          seen.add(host);
        }
      }
    }
  }
  if (tagFilters !== undefined) {
    if (!Array.isArray(tagFilters) || tagFilters.length === 0) problems.push(`tagFilters must be a non-empty list of tag filters; got ${show(tagFilters)}`);
    else tagFilters.forEach((filter, i) => checkFilter(`tagFilters[${i}]`, filter, problems));
  }
  if (tagSet !== undefined) {
    if (!Array.isArray(tagSet) || tagSet.length === 0 || tagSet.length > MAX_TAG_GROUPS) {
      problems.push(`tagSet must be a list of 1-${MAX_TAG_GROUPS} tag groups; got ${show(tagSet)}`);
    } else {
      tagSet.forEach((group, g) => {
        if (!Array.isArray(group) || group.length === 0 || group.length > MAX_TAGS_PER_GROUP) {
          problems.push(`tagSet[${g}] must be a list of 1-${MAX_TAGS_PER_GROUP} tag filters; got ${show(group)}`);
        } else {
          group.forEach((filter, i) => checkFilter(`tagSet[${g}][${i}]`, filter, problems));
        }
      });
    }
  }
  return problems;
}

/** Whether a host's tags match one filter. */
export function matchesFilter(tags: Readonly<Record<string, string>>, filter: TagFilter): boolean {
  switch (filter.Type) {
    case 'KEY_ONLY':
      return filter.Key !== undefined && Object.hasOwn(tags, filter.Key);
    case 'VALUE_ONLY':
      return Object.values(tags).includes(filter.Value ?? '');
    case 'KEY_AND_VALUE':
      return filter.Key !== undefined && Object.hasOwn(tags, filter.Key) && tags[filter.Key] === filter.Value;
  }
}

/** Whether a host with these tags (and this ID) is selected: tag filters OR, tag groups AND, plus named hosts. */
export function selects(selection: TargetSelection, hostId: string, tags: Readonly<Record<string, string>>): boolean {
  if (selection.targetHosts?.includes(hostId)) return true;
  if (selection.tagFilters) return selection.tagFilters.some((filter) => matchesFilter(tags, filter));
  if (selection.tagSet) return selection.tagSet.every((group) => group.some((filter) => matchesFilter(tags, filter)));
  return false;
}

/** A short description of a selection for messages, e.g. `tags env=prod OR role`. */
export function describeSelection(selection: TargetSelection): string {
  const filter = (f: TagFilter): string => (f.Type === 'KEY_ONLY' ? `${f.Key}` : f.Type === 'VALUE_ONLY' ? `*=${f.Value}` : `${f.Key}=${f.Value}`);
  const parts: string[] = [];
  if (selection.tagFilters) parts.push(`tags ${selection.tagFilters.map(filter).join(' OR ')}`);
  if (selection.tagSet) parts.push(`tag set ${selection.tagSet.map((g) => `(${g.map(filter).join(' OR ')})`).join(' AND ')}`);
  if (selection.targetHosts?.length) parts.push(`hosts ${selection.targetHosts.slice(0, 5).join(',')}${selection.targetHosts.length > 5 ? ',…' : ''}`);
  return parts.join(' + ');
}
