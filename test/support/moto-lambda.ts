/**
 * Lambda functions on the run's moto server: a role they can assume, functions with published
 * versions and an alias, and reads of the alias's real routing. moto's simple Lambda backend runs no
 * code, so the tests play each validation function's part by reporting its status.
 */
import type { LambdaClient} from '@aws-sdk/client-lambda';
import { CreateAliasCommand, CreateFunctionCommand, GetAliasCommand, PublishVersionCommand, UpdateAliasCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { inject } from 'vitest';
import { lazyLambdaClient } from '../../workers/aws-clients.js';
import { motoEnv } from './harness.js';
import { zipArchive } from './archives.js';

export function motoLambda(): LambdaClient {
  return lazyLambdaClient(motoEnv())();
}

/** An IAM role in moto (Lambda refuses a role that does not exist); created with a raw, scoped Query call. */
export async function createLambdaRole(name: string): Promise<string> {
  const body = new URLSearchParams({ Action: 'CreateRole', Version: '2010-05-08', RoleName: name, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) });
  const res = await fetch(inject('motoEndpoint'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0' },
    body,
  });
  const text = await res.text();
  if (!res.ok && !text.includes('EntityAlreadyExists')) throw new Error(`CreateRole failed: ${res.status} ${text.slice(0, 300)}`);
  return `arn:aws:iam::123456789012:role/${name}`;
}

/** A function with `versions` published versions (1, 2, …), and optionally an alias on version 1. */
export async function createFunction(lambda: LambdaClient, role: string, name: string, options: { versions?: number; alias?: string } = {}): Promise<void> {
  const code = zipArchive([{ name: 'index.js', body: 'exports.handler = async () => ({});\n' }]);
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: code } }));
  for (let v = 1; v <= (options.versions ?? 0); v += 1) {
    // A version is published only when something changed since the last one.
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: `release ${v}` }));
    await lambda.send(new PublishVersionCommand({ FunctionName: name, Description: `release ${v}` }));
  }
  if (options.alias) await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: options.alias, FunctionVersion: '1' }));
}

/** The alias's routing as Lambda has it: `<version>` or `<version> <other>=<weight>,…`. */
export async function aliasRouting(lambda: LambdaClient, name: string, alias: string): Promise<string> {
  const got = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: alias }));
  const weights = Object.entries(got.RoutingConfig?.AdditionalVersionWeights ?? {}).map(([v, w]) => `${v}=${w}`);
  return [got.FunctionVersion, ...(weights.length ? [weights.join(',')] : [])].join(' ');
}

/** Puts the alias on a version with no additional weights (between tests). */
export async function resetAlias(lambda: LambdaClient, name: string, alias: string, version = '1'): Promise<void> {
  await lambda.send(new UpdateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: version, RoutingConfig: { AdditionalVersionWeights: {} } }));
}
