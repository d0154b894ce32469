import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Notification } from '../workflows/contracts/triggers.js';

/**
 * POSTs one notification as JSON, with CodeDeploy's region and account fields filled in from the
 * environment (AWS_REGION) and the Temporal namespace. A non-2xx answer or a network error fails the
 * attempt; the workflow's retry policy backs off, and the workflow never lets a webhook fail a deployment.
 */
export async function sendNotification(notification: Notification): Promise<void> {
  const body = JSON.stringify({
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'local',
    accountId: Context.current().info.workflowNamespace,
    ...notification.payload,
  });
  const response = await fetch(notification.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-gantry-event': notification.event, 'x-gantry-trigger': notification.triggerName },
    body,
    signal: AbortSignal.any([Context.current().cancellationSignal, AbortSignal.timeout(10_000)]),
  });
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) {
    // 4xx other than 408/429 will not change on a retry.
    const permanent = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
    throw ApplicationFailure.create({ type: 'WebhookRejected', message: `${notification.url} answered HTTP ${response.status} to ${notification.event}`, nonRetryable: permanent });
  }
}
