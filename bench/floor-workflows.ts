// Workflow bundle for the bench's Temporal floor: the least a sequence of activities can cost.
import { proxyActivities } from '@temporalio/workflow';

export interface FloorActivities {
  noop(): Promise<void>;
}

/** Runs `count` no-op activities one after another on `taskQueue`. */
export async function activityChain(count: number, taskQueue: string): Promise<void> {
  const { noop } = proxyActivities<FloorActivities>({ taskQueue, startToCloseTimeout: '1 minute' });
  for (let i = 0; i < count; i += 1) await noop();
}
