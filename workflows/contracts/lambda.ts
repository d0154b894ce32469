/**
 * Lambda deployments (CodeDeploy's Lambda compute platform): an alias moves from one published
 * version to the next, with validation functions before and after. The AppSpec's shape, the view in
 * a deployment's status, and the hook status report, with CodeDeploy's names. Pure.
 */
import type { LifecycleEventView } from './lifecycle.js';
import { isRecord, show } from './values.js';

/** CodeDeploy's computePlatform; ECS is not supported by Gantry. */
export const COMPUTE_PLATFORMS = ['Server', 'Lambda'] as const;
export type ComputePlatform = (typeof COMPUTE_PLATFORMS)[number];

/** The events a Lambda deployment has, in order; only the first and last take a validation function. */
export const LAMBDA_EVENTS = ['BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'] as const;
export const LAMBDA_HOOK_EVENTS = ['BeforeAllowTraffic', 'AfterAllowTraffic'] as const;
export type LambdaHookEvent = (typeof LAMBDA_HOOK_EVENTS)[number];

/** CodeDeploy's limit: a validation function must report within an hour. */
export const DEFAULT_HOOK_TIMEOUT_SECONDS = 3600;
export const MAX_HOOK_TIMEOUT_SECONDS = 3600;

/** A Lambda AppSpec, read: one function, its alias, the versions, and the validation functions. */
export interface LambdaAppSpec {
  /** The resource's logical name (the key under Resources). */
  logicalName: string;
  functionName: string;
  alias: string;
  currentVersion: string;
  targetVersion: string;
  hooks: Partial<Record<LambdaHookEvent, string>>;
}

/** The deployment's one target: CodeDeploy names a Lambda target `<function>:<alias>`. */
export function lambdaTargetId(appSpec: Pick<LambdaAppSpec, 'functionName' | 'alias'>): string {
  return `${appSpec.functionName}:${appSpec.alias}`;
}

/** What the alias routes: its version, and the other version's share (0-1), as Lambda's RoutingConfig has it. */
export interface AliasRouting {
  functionVersion: string;
  additionalVersionWeights: Record<string, number>;
}

/** Why a Lambda revision cannot be deployed, with CodeDeploy's error codes. */
export type LambdaProblemCode = 'INVALID_REVISION' | 'INVALID_LAMBDA_FUNCTION' | 'INVALID_LAMBDA_CONFIGURATION';

/** The answer to reading and checking a Lambda revision against the functions as they are. */
export type LambdaResolution = { ok: true; appSpec: LambdaAppSpec; routing: AliasRouting } | { ok: false; code: LambdaProblemCode; message: string };

/** One validation function's run (CodeDeploy's lifecycle event hook execution). */
export interface LambdaHookView {
  lifecycleEventName: LambdaHookEvent;
  functionName: string;
  lifecycleEventHookExecutionId: string;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  startTime?: string;
  endTime?: string;
  message?: string;
}

/** One step of the shift: the target version's weight (percent), held this long, and when it was set. */
export interface LambdaShiftView {
  targetVersionPercent: number;
  holdSeconds: number;
  at?: string;
}

/** A Lambda deployment in its status: CodeDeploy's LambdaFunctionInfo, the shift, and the hooks. */
export interface LambdaView {
  functionName?: string;
  functionAlias?: string;
  currentVersion?: string;
  targetVersion?: string;
  /** The target version's share of the alias's traffic, 0-1, as Gantry last set it. */
  targetVersionWeight: number;
  shifts: LambdaShiftView[];
  lifecycleEvents: LifecycleEventView[];
  hooks: LambdaHookView[];
  /** The alias was put back on CurrentVersion with no additional weights: when and why. */
  rollback?: { reason: string; at?: string };
}

export const HOOK_STATUSES = ['Succeeded', 'Failed'] as const;

/** Update `putLifecycleEventHookExecutionStatus` on a deployment (CodeDeploy's PutLifecycleEventHookExecutionStatus). */
export interface HookStatusReport {
  lifecycleEventHookExecutionId: string;
  status: (typeof HOOK_STATUSES)[number];
}

/** Checks a hook status report's shape; one message per problem. */
export function validateHookStatusReport(value: unknown): string[] {
  if (!isRecord(value)) return [`the report must be {"lifecycleEventHookExecutionId": "…", "status": "Succeeded"|"Failed"}; got ${show(value)}`];
  const problems: string[] = [];
  if (typeof value.lifecycleEventHookExecutionId !== 'string' || value.lifecycleEventHookExecutionId.length === 0) {
    problems.push(`lifecycleEventHookExecutionId must be the ID the validation function was invoked with; got ${show(value.lifecycleEventHookExecutionId)}`);
  }
  if (!(HOOK_STATUSES as readonly unknown[]).includes(value.status)) problems.push(`status must be Succeeded or Failed; got ${show(value.status)}`);
  return problems;
}

/** A Lambda function name, partial or full ARN (with an optional qualifier), as Lambda accepts them. */
export const LAMBDA_FUNCTION_PATTERN = /^(arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(-gov)?-[a-z]+-\d{1}:\d{12}:function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;
/** Lambda alias names (not a version number). */
export const LAMBDA_ALIAS_PATTERN = /^(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}$/;
/** Published versions are positive whole numbers. */
export const LAMBDA_VERSION_PATTERN = /^[1-9][0-9]{0,9}$/;
