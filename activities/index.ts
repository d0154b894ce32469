import { Context, sleep } from '@temporalio/activity';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { terminateInstances } from './instances.js';
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { copyAutoScalingGroup, deleteAutoScalingGroups } from './auto-scaling.js';
import { pollAlarms } from './alarms.js';
import { countAlarmPoll } from '../workers/metrics.js';
import type { ControllerActivities, TrafficRequest } from '../workflows/contracts/controller.js';
import { noScriptsMessage } from '../workflows/contracts/lifecycle.js';
import { recordOutcomesInRegistry, requestRollback, resolveDeploymentConfig, selectTargetsFromRegistry, startDeploymentWorkflow, watchTargets } from './entity-calls.js';
import { sendNotification } from './notifications.js';
import { pinS3Revision } from './revision-pinning.js';
import { elbv2ListenerRouter, readTrafficWeights, setTrafficWeights, type ListenerRouter } from './listener-routing.js';
import { controlTraffic, elbv2Router, type TrafficRouter } from './traffic.js';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { invokeHook, routeAlias } from './lambda-alias.js';
import { resolveLambdaRevision } from './lambda-revision.js';
import { awaitDeployment, runningRollouts, startRegionDeployment, stopRegionDeployment } from './rollout-calls.js';

export interface ControllerDependencies {
  s3: () => S3Client;
  elbv2: () => ElasticLoadBalancingV2Client;
  cloudwatch: () => CloudWatchClient;
  /** EC2: blue/green terminates original instances (TERMINATE). */
  ec2: () => EC2Client;
  /** Auto Scaling: blue/green's COPY_AUTO_SCALING_GROUP. */
  autoScaling: () => AutoScalingClient;
  /** Lambda: alias traffic shifting and validation functions. */
  lambda: () => LambdaClient;
  /** Replaces ELBv2 (tests script unhealthy and stuck targets with it). */
  trafficRouter?: TrafficRouter;
  /** Replaces ELBv2 for whole-group traffic moves (listener switches and weights). */
  listenerRouter?: ListenerRouter;
  /** Poll interval while waiting on the load balancer (default 2 s). */
  trafficPollMs?: number;
}

/** The cloud-side activities the controller worker serves next to the workflows. */
export function createControllerActivities(deps: ControllerDependencies): ControllerActivities {
  const router = deps.trafficRouter ?? elbv2Router(deps.elbv2);
  const listeners = deps.listenerRouter ?? elbv2ListenerRouter(deps.elbv2);
  const pollMs = deps.trafficPollMs ?? 2_000;
  const traffic = (request: TrafficRequest) =>
    controlTraffic(router, request, {
      now: () => Date.now(),
      async tick() {
        Context.current().heartbeat();
        await sleep(pollMs); // throws when the activity is cancelled
      },
    });
  return {
    async pinRevision(revision) {
      return revision.revisionType === 'S3' ? pinS3Revision(deps.s3(), revision) : revision;
    },
    resolveDeploymentConfig,
    selectTargets: selectTargetsFromRegistry,
    recordDeploymentOutcomes: recordOutcomesInRegistry,
    startDeploymentWorkflow,
    watchTargets,
    requestRollback,
    sendNotification,
    pollAlarms: async ({ alarmNames }) => {
      try {
        const polled = await pollAlarms(deps.cloudwatch(), alarmNames);
        countAlarmPoll(polled.inAlarm.length > 0 ? 'in_alarm' : polled.missing.length > 0 ? 'missing' : 'ok');
        return polled;
      } catch (err) {
        countAlarmPoll('error');
        throw err;
      }
    },
    answerScriptlessEvent: async ({ event }) => ({ status: 'Succeeded', diagnostics: { errorCode: 'Success', message: noScriptsMessage(event), logTail: '' } }),
    BlockTraffic: (request) => traffic({ ...request, action: 'BlockTraffic' }),
    AllowTraffic: (request) => traffic({ ...request, action: 'AllowTraffic' }),
    setTrafficWeights: (request) => setTrafficWeights(listeners, request),
    readTrafficWeights: (request) => readTrafficWeights(listeners, request),
    terminateInstances: ({ instanceIds }) => terminateInstances(deps.ec2(), instanceIds),
    copyAutoScalingGroup: (request) => copyAutoScalingGroup(deps.autoScaling(), request),
    deleteAutoScalingGroups: ({ names }) => deleteAutoScalingGroups(deps.autoScaling(), names),
    startRegionDeployment,
    awaitDeployment,
    stopRegionDeployment,
    runningRollouts,
    resolveLambdaRevision: ({ revision }) => resolveLambdaRevision(deps, revision),
    routeAlias: (request) => routeAlias(deps.lambda(), request),
    invokeLambdaHook: (request) => invokeHook(deps.lambda(), request),
  };
}
