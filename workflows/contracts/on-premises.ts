/**
 * On-premises instances managed centrally (CodeDeploy's RegisterOnPremisesInstance and friends): a
 * host's registration status and its tags, kept by the host registry. Once an instance is registered
 * here its tags are managed here (seeded with its agent's --tag values), so changes take effect for
 * the next target selection without restarting the agent. Pure.
 */
import { HOST_ID_PATTERN } from './naming.js';
import { isRecord, show } from './values.js';

export interface OnPremisesInstance {
  instanceName: string;
  iamUserArn?: string;
  iamSessionArn?: string;
  registrationStatus: 'Registered' | 'Deregistered';
  registerTime: string;
  deregisterTime?: string;
  tags: Record<string, string>;
}

/** Updates on `hostRegistry`. */
export type OnPremisesRequest =
  | { action: 'register'; instanceName: string; iamUserArn?: string; iamSessionArn?: string }
  | { action: 'deregister'; instanceName: string }
  | { action: 'addTags'; instanceNames: string[]; tags: { Key: string; Value?: string }[] }
  | { action: 'removeTags'; instanceNames: string[]; tags: { Key: string; Value?: string }[] };

/** CodeDeploy's limit on an on-premises instance's tags. */
export const MAX_INSTANCE_TAGS = 10;

/** Checks a request's shape against what is known; one message per problem (CodeDeploy's exception named). */
export function validateOnPremisesRequest(request: unknown, known: ReadonlyMap<string, OnPremisesInstance>): string[] {
  if (!isRecord(request)) return [`the request must be an object; got ${show(request)}`];
  const problems: string[] = [];
  const name = (value: unknown, where: string): void => {
    if (typeof value !== 'string' || !HOST_ID_PATTERN.test(value)) problems.push(`${where} must be a host ID (letters, digits, . _ -; at most 128); got ${show(value)}`);
  };
  switch (request.action) {
    case 'register': {
      name(request.instanceName, 'instanceName');
      if ((request.iamUserArn === undefined) === (request.iamSessionArn === undefined)) problems.push('give one of iamUserArn or iamSessionArn (MultipleIamArnsProvided / IamArnRequired)');
      for (const key of ['iamUserArn', 'iamSessionArn'] as const) {
        const arn = request[key];
        if (arn !== undefined && (typeof arn !== 'string' || !/^arn:aws[a-z-]*:(iam|sts)::\d{12}:.+/.test(arn))) problems.push(`${key} must be an IAM ARN; got ${show(arn)}`);
      }
      const existing = typeof request.instanceName === 'string' ? known.get(request.instanceName) : undefined;
      if (existing?.registrationStatus === 'Registered') problems.push(`on-premises instance ${existing.instanceName} is already registered (InstanceNameAlreadyRegistered)`);
      return problems;
    }
    case 'deregister': {
      name(request.instanceName, 'instanceName');
      const existing = typeof request.instanceName === 'string' ? known.get(request.instanceName) : undefined;
      if (!existing) problems.push(`on-premises instance ${show(request.instanceName)} is not registered (InstanceNotRegistered)`);
      else if (existing.registrationStatus === 'Deregistered') problems.push(`on-premises instance ${existing.instanceName} is already deregistered`);
      return problems;
    }
    case 'addTags':
    case 'removeTags': {
      const names = request.instanceNames;
      if (!Array.isArray(names) || names.length === 0 || names.length > 100) problems.push(`instanceNames must list 1-100 instance names; got ${show(names)}`);
      else for (const n of names) if (typeof n !== 'string' || !known.has(n)) problems.push(`on-premises instance ${show(n)} is not registered (InstanceNotRegistered)`);
      const tags = request.tags;
      if (!Array.isArray(tags) || tags.length === 0) problems.push(`tags must list at least one {"Key": "…", "Value": "…"}; got ${show(tags)}`);
      else {
        for (const t of tags) {
          if (!isRecord(t) || typeof t.Key !== 'string' || t.Key.length === 0 || t.Key.length > 128 || (t.Value !== undefined && (typeof t.Value !== 'string' || t.Value.length > 256))) problems.push(`each tag must be {"Key": 1-128 characters, "Value": at most 256}; got ${show(t)}`);
        }
        if (request.action === 'addTags' && Array.isArray(names) && problems.length === 0) {
          for (const n of names as string[]) {
            const merged = { ...known.get(n)?.tags, ...Object.fromEntries((tags as { Key: string; Value?: string }[]).map((t) => [t.Key, t.Value ?? ''])) };
            if (Object.keys(merged).length > MAX_INSTANCE_TAGS) problems.push(`on-premises instance ${n} would have ${Object.keys(merged).length} tags; at most ${MAX_INSTANCE_TAGS} (InstanceLimitExceeded)`);
          }
        }
      }
      return problems;
    }
    default:
      return [`action must be register, deregister, addTags or removeTags; got ${show(request.action)}`];
  }
}

/** Applies a valid request; `agentTags` seeds a new registration with what the host's agent said. */
export function applyOnPremisesRequest(instances: Map<string, OnPremisesInstance>, request: OnPremisesRequest, now: string, agentTags: (name: string) => Record<string, string>): OnPremisesInstance[] {
  switch (request.action) {
    case 'register': {
      const instance: OnPremisesInstance = {
        instanceName: request.instanceName,
        ...(request.iamUserArn ? { iamUserArn: request.iamUserArn } : {}),
        ...(request.iamSessionArn ? { iamSessionArn: request.iamSessionArn } : {}),
        registrationStatus: 'Registered',
        registerTime: now,
        tags: { ...(instances.get(request.instanceName)?.tags ?? agentTags(request.instanceName)) },
      };
      instances.set(instance.instanceName, instance);
      return [instance];
    }
    case 'deregister': {
      const instance = instances.get(request.instanceName) as OnPremisesInstance;
      Object.assign(instance, { registrationStatus: 'Deregistered', deregisterTime: now });
      return [instance];
    }
    case 'addTags':
    case 'removeTags':
      return request.instanceNames.map((name) => {
        const instance = instances.get(name) as OnPremisesInstance;
        for (const tag of request.tags) {
          if (request.action === 'addTags') instance.tags[tag.Key] = tag.Value ?? '';
          else if (tag.Value === undefined || instance.tags[tag.Key] === tag.Value) delete instance.tags[tag.Key];
        }
        return instance;
      });
  }
}
