/**
 * An HTTP endpoint, served beside the controller worker, where Lambda validation functions report
 * their status. It speaks CodeDeploy's own wire format (JSON 1.1, `X-Amz-Target:
 * CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus`), so a function that calls CodeDeploy
 * with an AWS SDK works unchanged once the SDK's endpoint is this one; plain JSON POSTs to
 * `/PutLifecycleEventHookExecutionStatus` work too. Each report becomes the deployment's
 * putLifecycleEventHookExecutionStatus update.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Client } from '@temporalio/client';
import { listen, readBody, sameSecret, type HttpEndpoint } from './http-endpoint.js';
import { putLifecycleEventHookExecutionStatus, UsageError } from './deployments.js';
import { DEPLOYMENT_ID_PATTERN } from '../workflows/contracts/naming.js';
import type { HookStatusReport } from '../workflows/contracts/lambda.js';

export const HOOK_STATUS_TARGET = 'CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus';
const HOOK_STATUS_PATH = '/PutLifecycleEventHookExecutionStatus';
const MAX_BODY_BYTES = 64 * 1024;

export type HookStatusEndpoint = HttpEndpoint;

export interface HookStatusEndpointOptions {
  host?: string;
  port?: number;
  /**
   * When set, a report must carry it: `Authorization: Bearer <token>`, or as the access key ID of an
   * AWS SDK's signature (`Credential=<token>/…`), so SDK callers set it as their access key.
   */
  token?: string;
}

export { parseListen } from './http-endpoint.js';

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(JSON.stringify(body));
}

const fault = (res: ServerResponse, status: number, type: string, message: string): void => reply(res, status, { __type: type, message });

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  const header = req.headers.authorization ?? '';
  const bearer = /^Bearer (.+)$/.exec(header)?.[1];
  const accessKey = /Credential=([^/,\s]+)\//.exec(header)?.[1];
  return [bearer, accessKey].some((presented) => presented !== undefined && sameSecret(presented, token));
}

/** The CodeDeploy exception a refusal corresponds to. */
function exceptionOf(message: string): string {
  if (message.includes('LifecycleEventAlreadyCompleted')) return 'LifecycleEventAlreadyCompletedException';
  if (message.includes('InvalidLifecycleEventHookExecutionId') || message.includes('lifecycleEventHookExecutionId')) return 'InvalidLifecycleEventHookExecutionIdException';
  if (message.includes('status must be')) return 'InvalidLifecycleEventHookExecutionStatusException';
  if (message.includes('does not exist')) return 'DeploymentDoesNotExistException';
  return 'ValidationException';
}

export async function serveHookStatus(client: Client, options: HookStatusEndpointOptions = {}): Promise<HookStatusEndpoint> {
  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => fault(res, 500, 'InternalFailure', err instanceof Error ? err.message : String(err)));
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = req.headers['x-amz-target'];
    if (req.method !== 'POST') return fault(res, 405, 'UnknownOperationException', 'only POST is served');
    if (target !== HOOK_STATUS_TARGET && !(target === undefined && req.url === HOOK_STATUS_PATH)) {
      return fault(res, 400, 'UnknownOperationException', `this endpoint serves ${HOOK_STATUS_TARGET} only; got ${String(target ?? req.url)}`);
    }
    if (!authorized(req, options.token)) return fault(res, 403, 'AccessDeniedException', 'the report does not carry the endpoint token (GANTRY_HOOK_STATUS_TOKEN)');
    const text = await readBody(req, MAX_BODY_BYTES);
    if (text === undefined) return fault(res, 413, 'ValidationException', `the request is larger than ${MAX_BODY_BYTES} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return fault(res, 400, 'SerializationException', 'the request body is not JSON');
    }
    const { deploymentId, lifecycleEventHookExecutionId, status } = (body ?? {}) as Record<string, unknown>;
    if (typeof deploymentId !== 'string' || !DEPLOYMENT_ID_PATTERN.test(deploymentId)) {
      return fault(res, 400, 'InvalidDeploymentIdException', `deploymentId must look like d-XXXXXXXXX; got ${JSON.stringify(deploymentId)}`);
    }
    try {
      const answer = await putLifecycleEventHookExecutionStatus(client, deploymentId, { lifecycleEventHookExecutionId, status } as HookStatusReport);
      reply(res, 200, answer);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      fault(res, 400, exceptionOf(err.message), err.message);
    }
  };
  return listen(server, options.host, options.port);
}
