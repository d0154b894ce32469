import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DeploymentView, HostDeploymentView } from './contracts/deployment.js';
import { MessageName } from './contracts/naming.js';

/** `deployment` workflow: the whole deployment, every target and its lifecycle events. */
export const deploymentStatusQuery = defineQuery<DeploymentView>(MessageName.status);

/** `hostDeployment` workflow: one host's lifecycle events. */
export const hostStatusQuery = defineQuery<HostDeploymentView>(MessageName.status);

/** Sent by each `hostDeployment` child to its parent whenever one of its events changes state. */
export const hostProgressSignal = defineSignal<[HostDeploymentView]>(MessageName.hostProgress);
