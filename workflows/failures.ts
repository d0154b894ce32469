import { ApplicationFailure, ChildWorkflowFailure, TemporalFailure, TimeoutFailure, ActivityFailure } from '@temporalio/workflow';
import type { Diagnostics, LifecycleErrorCode } from './contracts/lifecycle.js';
import { FailureType } from './contracts/errors.js';

const LIFECYCLE_CODE_BY_TYPE: Partial<Record<string, LifecycleErrorCode>> = {
  [FailureType.ScriptMissing]: 'ScriptMissing',
  [FailureType.ScriptNotExecutable]: 'ScriptNotExecutable',
  [FailureType.ScriptFailed]: 'ScriptFailed',
  [FailureType.ScriptTimedOut]: 'ScriptTimedOut',
};

function isDiagnostics(value: unknown): value is Diagnostics {
  return typeof value === 'object' && value !== null && 'errorCode' in value && 'message' in value;
}

/** Innermost failure, through ActivityFailure / ChildWorkflowFailure wrappers. */
export function rootCause(err: unknown): unknown {
  let current = err;
  while ((current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) && current.cause) {
    current = current.cause;
  }
  return current;
}

/** The innermost failure's message (what a person should read about why a call failed). */
export function rootMessage(err: unknown): string {
  const cause = rootCause(err);
  return cause instanceof Error ? cause.message : String(cause);
}

/** The Diagnostics of a failed lifecycle event, from whatever failure its activity ended with. */
export function diagnosticsOf(err: unknown): Diagnostics {
  const cause = rootCause(err);
  if (cause instanceof ApplicationFailure) {
    const detail = cause.details?.[0];
    if (isDiagnostics(detail)) return detail;
    return { errorCode: LIFECYCLE_CODE_BY_TYPE[cause.type ?? ''] ?? 'UnknownError', message: cause.message, logTail: '' };
  }
  if (cause instanceof TimeoutFailure) {
    const kind = cause.timeoutType;
    const message =
      kind === 'SCHEDULE_TO_START'
        ? 'The host agent did not pick up the lifecycle event in time: is the agent running and polling its task queue?'
        : kind === 'HEARTBEAT'
          ? 'The host agent stopped responding during the lifecycle event (heartbeat timeout).'
          : `The lifecycle event timed out (${String(kind)}).`;
    return { errorCode: 'UnknownError', message, logTail: '' };
  }
  if (cause instanceof TemporalFailure) return { errorCode: 'UnknownError', message: cause.message, logTail: '' };
  return { errorCode: 'UnknownError', message: String(cause), logTail: '' };
}
