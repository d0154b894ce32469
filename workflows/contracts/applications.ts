/**
 * Applications (CodeDeploy's CreateApplication): a name and the compute platform every deployment
 * group of the application shares. Pure.
 */
import { deriveDeploymentGroupId } from './deployment.js';
import type { ComputePlatform } from './lambda.js';
import { COMPUTE_PLATFORMS } from './lambda.js';
import { NAME_PATTERN } from './naming.js';
import { isRecord, show } from './values.js';

export interface ApplicationInfo {
  applicationName: string;
  /** UUID-shaped and stable, derived from the name (as deployment group IDs are). */
  applicationId: string;
  computePlatform: ComputePlatform;
  createTime: string;
  /** Names it had before update-application renamed it, newest first (its earlier deployments carry them). */
  formerNames?: string[];
}

/** Update `createApplication` on the `applications` catalog. */
export interface CreateApplicationRequest {
  applicationName: string;
  /** Default Server. */
  computePlatform?: ComputePlatform;
  /** Answer the application that exists instead of refusing (a group's first creation registers its application). */
  ifAbsent?: boolean;
}

export function applicationIdOf(applicationName: string): string {
  // The deployment group derivation with no group name: stable, and never equal to a group's ID.
  return deriveDeploymentGroupId(applicationName, '');
}

/** An application name as CodeDeploy allows it; `field` names it in the message. */
export function validateApplicationName(name: unknown, field = 'applicationName'): string[] {
  return typeof name === 'string' && NAME_PATTERN.test(name) ? [] : [`${field} must be 1-100 characters of letters, digits and . _ + = , @ -; got ${show(name)}`];
}

export function validateCreateApplication(request: unknown): string[] {
  if (!isRecord(request)) return [`the request must be {"applicationName": "…", "computePlatform": "Server"|"Lambda"}; got ${show(request)}`];
  const problems = validateApplicationName(request.applicationName);
  if (request.computePlatform !== undefined && !(COMPUTE_PLATFORMS as readonly unknown[]).includes(request.computePlatform)) {
    problems.push(`computePlatform must be Server or Lambda (Gantry does not deploy to ECS); got ${show(request.computePlatform)}`);
  }
  return problems;
}

/** Why a group of this platform cannot belong to the application; undefined when it can. */
export function groupPlatformMismatch(application: ApplicationInfo, groupName: string, groupPlatform: ComputePlatform | undefined): string | undefined {
  if (groupPlatform === undefined || groupPlatform === application.computePlatform) return undefined;
  return `deployment group ${groupName} is for the ${groupPlatform} compute platform, but application ${application.applicationName} is a ${application.computePlatform} application: every group of an application shares its compute platform`;
}
