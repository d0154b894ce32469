/**
 * The Lambda AppSpec (CodeDeploy's appspec.yaml for the Lambda compute platform), YAML or JSON:
 * one function under Resources with its alias and two versions, and optional validation functions
 * under Hooks. CodeDeploy's documents spell the keys both capitalised and in lower case, so keys are
 * matched without regard to case.
 */
import { parse } from 'yaml';
import type { LambdaAppSpec, LambdaHookEvent } from '../workflows/contracts/lambda.js';
import { LAMBDA_ALIAS_PATTERN, LAMBDA_FUNCTION_PATTERN, LAMBDA_HOOK_EVENTS, LAMBDA_VERSION_PATTERN } from '../workflows/contracts/lambda.js';
import { isRecord, show } from '../workflows/contracts/values.js';

export type LambdaAppSpecResult = { ok: true; appSpec: LambdaAppSpec } | { ok: false; problems: string[] };

/** The value under `key`, whatever its case; the key as written, for messages. */
function field(map: Record<string, unknown>, key: string): { name: string; value: unknown } | undefined {
  const name = Object.keys(map).find((k) => k.toLowerCase() === key.toLowerCase());
  return name === undefined ? undefined : { name, value: map[name] };
}

/** A list of single-key maps (Resources, Hooks), as [key, value] pairs. */
function singleKeyEntries(where: string, value: unknown, problems: string[]): [string, unknown][] {
  if (!Array.isArray(value)) {
    problems.push(`${where} must be a list of single-key maps (each item "- name: …"); got ${show(value)}`);
    return [];
  }
  const entries: [string, unknown][] = [];
  value.forEach((item, i) => {
    if (!isRecord(item) || Object.keys(item).length !== 1) problems.push(`${where}[${i}] must be a map with exactly one key; got ${show(item)}`);
    else entries.push(Object.entries(item)[0] as [string, unknown]);
  });
  return entries;
}

function version(where: string, value: unknown, problems: string[]): string {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !LAMBDA_VERSION_PATTERN.test(text)) {
    problems.push(`${where} must be a published version number (1, 2, …; not $LATEST or an alias); got ${show(value)}`);
    return '';
  }
  return text;
}

/** Parses and checks a Lambda AppSpec; every problem is reported, each naming the key. */
export function parseLambdaAppSpec(text: string): LambdaAppSpecResult {
  let doc: unknown;
  try {
    doc = parse(text, { version: '1.1', uniqueKeys: true });
  } catch (err) {
    return { ok: false, problems: [`the AppSpec is not valid YAML or JSON: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`] };
  }
  if (!isRecord(doc)) return { ok: false, problems: [`the AppSpec must be a map with version, Resources and (optionally) Hooks; got ${show(doc)}`] };
  const problems: string[] = [];
  for (const key of Object.keys(doc)) {
    if (!['version', 'resources', 'hooks'].includes(key.toLowerCase())) problems.push(`${key} is not a Lambda AppSpec key (version, Resources, Hooks)`);
  }
  const versionField = field(doc, 'version');
  if (!versionField || !(versionField.value === 0 || versionField.value === '0.0')) problems.push(`version must be 0.0; got ${show(versionField?.value)}`);

  const resources = field(doc, 'Resources');
  const resourceEntries = resources ? singleKeyEntries(resources.name, resources.value, problems) : [];
  if (!resources) problems.push('Resources is required: the Lambda function to deploy, with Name, Alias, CurrentVersion and TargetVersion');
  else if (resourceEntries.length === 0 && Array.isArray(resources.value)) problems.push(`${resources.name} lists no function`);
  if (resourceEntries.length > 1) {
    problems.push(`an AppSpec deploys one Lambda function; ${resources?.name} lists ${resourceEntries.length} (${resourceEntries.map(([k]) => k).join(', ')})`);
  }
  const appSpec: LambdaAppSpec = { logicalName: '', functionName: '', alias: '', currentVersion: '', targetVersion: '', hooks: {} };
  const [first] = resourceEntries;
  if (first && resourceEntries.length === 1) {
    const [logicalName, resource] = first;
    appSpec.logicalName = logicalName;
    const where = `${resources?.name}.${logicalName}`;
    if (!isRecord(resource)) problems.push(`${where} must be a map with Type and Properties; got ${show(resource)}`);
    else {
      const type = field(resource, 'Type');
      if (type?.value !== 'AWS::Lambda::Function') problems.push(`${where}.Type must be AWS::Lambda::Function; got ${show(type?.value)}`);
      const props = field(resource, 'Properties');
      if (!props || !isRecord(props.value)) problems.push(`${where}.Properties must be a map with Name, Alias, CurrentVersion and TargetVersion; got ${show(props?.value)}`);
      else {
        const p = props.value;
        const at = `${where}.${props.name}`;
        const name = field(p, 'Name')?.value;
        if (typeof name !== 'string' || !LAMBDA_FUNCTION_PATTERN.test(name) || name.length > 140) problems.push(`${at}.Name must be a Lambda function name or ARN; got ${show(name)}`);
        else appSpec.functionName = name;
        const alias = field(p, 'Alias')?.value;
        if (typeof alias !== 'string' || !LAMBDA_ALIAS_PATTERN.test(alias)) problems.push(`${at}.Alias must be a Lambda alias name (1-128 letters, digits, - or _, not a number); got ${show(alias)}`);
        else appSpec.alias = alias;
        appSpec.currentVersion = version(`${at}.CurrentVersion`, field(p, 'CurrentVersion')?.value, problems);
        appSpec.targetVersion = version(`${at}.TargetVersion`, field(p, 'TargetVersion')?.value, problems);
        if (appSpec.currentVersion && appSpec.currentVersion === appSpec.targetVersion) {
          problems.push(`${at}.TargetVersion is the same as CurrentVersion (${appSpec.currentVersion}); there is no traffic to move`);
        }
        for (const key of Object.keys(p)) {
          if (!['name', 'alias', 'currentversion', 'targetversion'].includes(key.toLowerCase())) problems.push(`${at}.${key} is not a property of a Lambda resource (Name, Alias, CurrentVersion, TargetVersion)`);
        }
      }
    }
  }

  const hooks = field(doc, 'Hooks');
  if (hooks && hooks.value !== null) {
    for (const [event, fn] of singleKeyEntries(hooks.name, hooks.value, problems)) {
      const known = LAMBDA_HOOK_EVENTS.find((e) => e.toLowerCase() === event.toLowerCase());
      if (!known) {
        problems.push(`${hooks.name}: ${event} is not a Lambda hook; a Lambda AppSpec's hooks are ${LAMBDA_HOOK_EVENTS.join(' and ')}`);
        continue;
      }
      if (appSpec.hooks[known] !== undefined) problems.push(`${hooks.name} names ${known} twice; each hook runs once per deployment`);
      else if (typeof fn !== 'string' || !LAMBDA_FUNCTION_PATTERN.test(fn) || fn.length > 140) problems.push(`${hooks.name}.${event} must be a Lambda function name or ARN; got ${show(fn)}`);
      else appSpec.hooks[known as LambdaHookEvent] = fn;
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, appSpec };
}
