import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DeploymentView, HostDeploymentView } from './contracts/deployment.js';
import type { HostRegistration } from './contracts/hosts.js';
import { MessageName } from './contracts/naming.js';

/** `deployment` workflow: the whole deployment, every target and its lifecycle events. */
export const deploymentStatusQuery = defineQuery<DeploymentView>(MessageName.status);

/** `hostDeployment` workflow: one host's lifecycle events. */
export const hostStatusQuery = defineQuery<HostDeploymentView>(MessageName.status);

/** Sent by each `hostDeployment` child to its parent whenever one of its events changes state. */
export const hostProgressSignal = defineSignal<[HostDeploymentView]>(MessageName.hostProgress);

/** `hostRegistry` workflow: an agent (re)registers its host ID, tags and zone. */
export const registerHostSignal = defineSignal<[HostRegistration]>(MessageName.registerHost);

/** `hostRegistry` workflow: removes a host. */
export const deregisterHostSignal = defineSignal<[{ hostId: string }]>(MessageName.deregisterHost);

/** `hostRegistry` workflow: the registered hosts, sorted by host ID. */
export const hostsQuery = defineQuery<HostRegistration[]>(MessageName.hosts);
