/**
 * Failure types (ApplicationFailure.type) raised by Gantry. Stable: users match on them.
 * The lifecycle ones mirror CodeDeploy's LifecycleErrorCode names.
 */
export const FailureType = {
  InvalidDeploymentInput: 'InvalidDeploymentInput',
  InvalidAppSpec: 'InvalidAppSpec',
  RevisionNotFound: 'RevisionNotFound',
  InvalidRevision: 'InvalidRevision',
  InstallFailed: 'InstallFailed',
  ScriptMissing: 'ScriptMissing',
  ScriptNotExecutable: 'ScriptNotExecutable',
  ScriptFailed: 'ScriptFailed',
  ScriptTimedOut: 'ScriptTimedOut',
  /** A process the script started kept its output open past the timeout (agent code OUTPUTS_LEFT_OPEN). */
  ScriptOutputsLeftOpen: 'ScriptOutputsLeftOpen',
  /** The agent restarted while the event was in progress; it is failed, never run twice. */
  FailedAfterRestart: 'FailedAfterRestart',
  /** The event was cancelled (stop, or the agent shutting down) while it ran. */
  EventCancelled: 'EventCancelled',
  /** The host's file system is full (or its quota spent): the event could not write what it needs. */
  DiskFull: 'DiskFull',
  /** The agent was asked to act for a deployment whose IDs it cannot trust (they would name other files). */
  UntrustedDeployment: 'UntrustedDeployment',
  /** An unexpected error inside the agent; the message says what. */
  AgentError: 'AgentError',
  /** BlockTraffic or AllowTraffic failed: a target group is missing, or the host never left or became healthy. */
  TrafficControlFailed: 'TrafficControlFailed',
  /** The deployment names a custom deployment configuration that does not exist. */
  DeploymentConfigNotFound: 'DeploymentConfigNotFound',
  /** No host matched the deployment's targets. */
  NoInstances: 'NoInstances',
  HealthConstraints: 'HealthConstraints',
  HealthConstraintsInvalid: 'HealthConstraintsInvalid',
  ManualStop: 'ManualStop',
  /** A CloudWatch alarm of the deployment was in ALARM (or could not be read): it was stopped. */
  AlarmActive: 'AlarmActive',
  /** Lambda: a validation function could not be invoked (it does not exist). */
  HookInvocationFailed: 'HookInvocationFailed',
  /** Lambda: a validation function reported Failed, or did not report in time. */
  HookFailed: 'HookFailed',
  /** Lambda: the function, a version or the alias is not as the AppSpec says. */
  InvalidLambdaConfiguration: 'InvalidLambdaConfiguration',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Failures a retry cannot fix: the activity retry policy never retries them. */
export const NON_RETRYABLE_FAILURE_TYPES: readonly FailureType[] = Object.values(FailureType);

/** CodeDeploy's deployment-level ErrorInformation codes that Gantry reports. */
export type DeploymentErrorCode =
  | 'HEALTH_CONSTRAINTS'
  | 'HEALTH_CONSTRAINTS_INVALID'
  | 'NO_INSTANCES'
  | 'INVALID_REVISION'
  | 'REVISION_MISSING'
  | 'MANUAL_STOP'
  | 'ALARM_ACTIVE'
  | 'AGENT_ISSUE'
  | 'TIMEOUT'
  /** The load balancer is not as a blue/green deployment needs it (CodeDeploy's code), or a change to it failed. */
  | 'ELASTIC_LOAD_BALANCING_INVALID'
  /** The Auto Scaling group to copy is missing or has no healthy instances (COPY_AUTO_SCALING_GROUP). */
  | 'AUTO_SCALING_CONFIGURATION'
  /** Gantry: a blue/green deployment's targetInstances select hosts of the original environment. */
  | 'INVALID_TARGET_INSTANCES'
  /** Lambda: the AppSpec names a function (or validation function) that does not exist. */
  | 'INVALID_LAMBDA_FUNCTION'
  /** Lambda: a version or the alias is missing, the alias does not serve CurrentVersion, or a change to it failed. */
  | 'INVALID_LAMBDA_CONFIGURATION'
  /** Lambda: a validation function reported Failed or did not report within the hook timeout. */
  | 'HOOK_EXECUTION_FAILURE'
  /** Gantry: the deployment configuration is for another compute platform. */
  | 'INVALID_DEPLOYMENT_CONFIGURATION'
  | 'INTERNAL_ERROR';

export interface ErrorInformation {
  code: DeploymentErrorCode;
  message: string;
}
