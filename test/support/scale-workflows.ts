// Workflow bundle for the scale test: the real `deployment` and `hostRegistry` workflows, with a
// `hostDeployment` that returns at once, so 10,000 simulated hosts fit on a two-core machine.
import { workflowInfo } from '@temporalio/workflow';
import type { HostDeploymentView } from '../../workflows/contracts/deployment.js';
import type { HostDeploymentInput } from '../../workflows/host-deployment.js';

export { deployment } from '../../workflows/deployment.js';
export { hostRegistry } from '../../workflows/host-registry.js';

/** A simulated host: succeeds, except hosts whose ID ends in `-fail`, which fail ApplicationStart. */
export async function hostDeployment(input: HostDeploymentInput): Promise<HostDeploymentView> {
  const fails = input.hostId.endsWith('-fail');
  const now = workflowInfo().startTime.toISOString();
  return {
    deploymentId: input.deployment.deploymentId,
    targetId: input.hostId,
    status: fails ? 'Failed' : 'Succeeded',
    lastUpdatedAt: now,
    lifecycleEvents: input.events.map((name) => ({
      lifecycleEventName: name,
      status: fails && name === 'ApplicationStart' ? 'Failed' : fails && name === 'ValidateService' ? 'Skipped' : 'Succeeded',
      ...(fails && name === 'ApplicationStart' ? { diagnostics: { errorCode: 'ScriptFailed' as const, message: 'simulated failure', logTail: '' } } : {}),
    })),
  };
}
