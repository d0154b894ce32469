/**
 * The Lambda traffic router and hook invoker: an alias's routing (its version and
 * RoutingConfig.AdditionalVersionWeights) read and set, and validation functions invoked
 * asynchronously as CodeDeploy invokes them. Setting reads first, so a repeated call changes nothing.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { GetAliasCommand, InvokeCommand, UpdateAliasCommand, type AliasConfiguration, type LambdaClient } from '@aws-sdk/client-lambda';
import { FailureType } from '../workflows/contracts/errors.js';
import type { AliasRouting } from '../workflows/contracts/lambda.js';

export function isNotFound(err: unknown): boolean {
  return (err as { name?: string }).name === 'ResourceNotFoundException' || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;
}

export function aliasRoutingOf(alias: Pick<AliasConfiguration, 'FunctionVersion' | 'RoutingConfig'>): AliasRouting {
  return { functionVersion: alias.FunctionVersion ?? '', additionalVersionWeights: { ...(alias.RoutingConfig?.AdditionalVersionWeights ?? {}) } };
}

function sameRouting(a: AliasRouting, b: AliasRouting): boolean {
  const weights = (r: AliasRouting): string => JSON.stringify(Object.entries(r.additionalVersionWeights).filter(([, w]) => w > 0).sort());
  return a.functionVersion === b.functionVersion && weights(a) === weights(b);
}

export interface AliasRouteRequest {
  functionName: string;
  alias: string;
  routing: AliasRouting;
}

/** Makes the alias route as asked; answers what it routed before and whether anything changed. */
export async function routeAlias(lambda: LambdaClient, request: AliasRouteRequest): Promise<{ before: AliasRouting; after: AliasRouting; changed: boolean }> {
  const { functionName, alias, routing } = request;
  for (const weight of Object.values(routing.additionalVersionWeights)) {
    if (!(weight >= 0 && weight < 1)) throw ApplicationFailure.create({ type: FailureType.TrafficControlFailed, message: `an additional version weight must be from 0 to less than 1; got ${weight}`, nonRetryable: true });
  }
  let current;
  try {
    current = aliasRoutingOf(await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: alias })));
  } catch (err) {
    if (isNotFound(err)) throw ApplicationFailure.create({ type: FailureType.TrafficControlFailed, message: `alias ${alias} of Lambda function ${functionName} no longer exists`, nonRetryable: true });
    throw err;
  }
  if (sameRouting(current, routing)) return { before: current, after: current, changed: false };
  try {
    const updated = await lambda.send(
      new UpdateAliasCommand({ FunctionName: functionName, Name: alias, FunctionVersion: routing.functionVersion, RoutingConfig: { AdditionalVersionWeights: routing.additionalVersionWeights } }),
    );
    return { before: current, after: aliasRoutingOf(updated), changed: true };
  } catch (err) {
    if (isNotFound(err)) throw ApplicationFailure.create({ type: FailureType.TrafficControlFailed, message: `alias ${alias} of ${functionName} cannot route to version ${routing.functionVersion}: ${(err as Error).message}`, nonRetryable: true });
    throw err;
  }
}

/**
 * Invokes a validation function asynchronously (InvocationType Event) with CodeDeploy's payload.
 * A missing function is a hook failure, not something to retry.
 */
export async function invokeHook(lambda: LambdaClient, request: { functionName: string; deploymentId: string; lifecycleEventHookExecutionId: string }): Promise<{ statusCode: number; requestId?: string }> {
  const payload = { DeploymentId: request.deploymentId, LifecycleEventHookExecutionId: request.lifecycleEventHookExecutionId };
  try {
    const answer = await lambda.send(new InvokeCommand({ FunctionName: request.functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload)) }));
    return { statusCode: answer.StatusCode ?? 0, ...(answer.$metadata.requestId ? { requestId: answer.$metadata.requestId } : {}) };
  } catch (err) {
    if (isNotFound(err)) throw ApplicationFailure.create({ type: FailureType.HookInvocationFailed, message: `validation function ${request.functionName} does not exist`, nonRetryable: true });
    throw err;
  }
}
