import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { DeploymentInput, DeploymentStatus } from './contracts/deployment.js';
import { describeRevision } from './contracts/revision.js';
import { SearchAttributeName } from './contracts/naming.js';

/** Typed keys of Gantry's custom search attributes (all Keyword; see contracts/naming.ts). */
export const GantrySearchAttributes = {
  application: defineSearchAttributeKey(SearchAttributeName.application, SearchAttributeType.KEYWORD),
  deploymentGroup: defineSearchAttributeKey(SearchAttributeName.deploymentGroup, SearchAttributeType.KEYWORD),
  revision: defineSearchAttributeKey(SearchAttributeName.revision, SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey(SearchAttributeName.status, SearchAttributeType.KEYWORD),
} as const;

/** The search attributes a deployment workflow starts with, whoever starts it. */
export function deploymentSearchAttributes(input: DeploymentInput, status: DeploymentStatus): SearchAttributePair[] {
  return [
    { key: GantrySearchAttributes.application, value: input.applicationName },
    { key: GantrySearchAttributes.deploymentGroup, value: input.deploymentGroupName },
    { key: GantrySearchAttributes.revision, value: describeRevision(input.revision) },
    { key: GantrySearchAttributes.status, value: status },
  ];
}
