/**
 * Stands in for the next build of Gantry's workflows in the upgrade test: the same workflows with one
 * change behind `patched()`. A deployment started on this build records the patch and marks its memo;
 * one started on the previous build and carried on here replays without the patch, as Temporal's
 * patching promises, and ends as it would have.
 */
import { patched, upsertMemo, workflowInfo, type WorkflowInboundCallsInterceptor, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const UPGRADE_PATCH = 'gantry-upgrade-test';

class UpgradedDeployment implements WorkflowInboundCallsInterceptor {
  async execute(input: Parameters<NonNullable<WorkflowInboundCallsInterceptor['execute']>>[0], next: Parameters<NonNullable<WorkflowInboundCallsInterceptor['execute']>>[1]): Promise<unknown> {
    if (workflowInfo().workflowType === 'deployment' && patched(UPGRADE_PATCH)) upsertMemo({ builtBy: 'upgraded' });
    return next(input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ inbound: [new UpgradedDeployment()] });
