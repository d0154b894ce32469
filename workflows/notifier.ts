import { proxyActivities } from '@temporalio/workflow';
import type { ControllerActivities } from './contracts/controller.js';
import type { TriggerConfig, TriggerEvent } from './contracts/triggers.js';
import { notificationsFor } from './contracts/triggers.js';

const notifications = proxyActivities<ControllerActivities>({
  startToCloseTimeout: '15 seconds',
  // About 7 s of retries: a webhook that is down delays the end of a deployment a little, never fails it.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 4 },
});

/** Sends trigger notifications without waiting; `flush` waits for them all (before the run ends). */
export class Notifier {
  private pending: Promise<void>[] = [];

  constructor(private readonly triggers: readonly TriggerConfig[] | undefined) {}

  send(event: TriggerEvent, payload: (triggerName: string) => Record<string, unknown>): void {
    for (const notification of notificationsFor(this.triggers, event, payload)) {
      this.pending.push(notifications.sendNotification(notification).catch(() => undefined));
    }
  }

  /** Notifications still being delivered; each is a pending activity, which Temporal limits. */
  get backlog(): number {
    return this.pending.length;
  }

  async flush(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    await Promise.all(pending);
  }
}
