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
/**
 * `revision`: what `GantryRevision` holds. By default the revision's description; with the payload
 * codec on, a keyed digest of it (workers/payload-codec.ts), since search attributes are stored in clear.
 */
export function deploymentSearchAttributes(input: DeploymentInput, status: DeploymentStatus, revision = describeRevision(input.revision)): SearchAttributePair[] {
  return [
    { key: GantrySearchAttributes.application, value: input.applicationName },
    { key: GantrySearchAttributes.deploymentGroup, value: input.deploymentGroupName },
    { key: GantrySearchAttributes.revision, value: revision },
    { key: GantrySearchAttributes.status, value: status },
  ];
}

/** The strategy a deployment input runs (for its description). */
function strategyName(input: DeploymentInput): string {
  if (input.computePlatform === 'Lambda') return 'Lambda alias traffic shifting';
  if (input.deploymentStyle?.deploymentType === 'BLUE_GREEN') return 'blue/green';
  return input.loadBalancerInfo ? 'in place, with traffic control' : 'in place';
}

/**
 * What the Temporal UI shows for a deployment, as CodeDeploy's console does: a one-line summary and
 * details (application, group, revision, strategy, configuration), set when it starts.
 */
export function deploymentMetadata(input: DeploymentInput): { staticSummary: string; staticDetails: string } {
  return {
    staticSummary: `${input.applicationName}/${input.deploymentGroupName}: ${describeRevision(input.revision)}`,
    staticDetails: [
      `**Application** ${input.applicationName}`,
      `**Deployment group** ${input.deploymentGroupName}`,
      `**Revision** ${describeRevision(input.revision)}`,
      `**Strategy** ${strategyName(input)}`,
      `**Configuration** ${input.deploymentConfig?.deploymentConfigName ?? input.deploymentConfigName ?? (input.computePlatform === 'Lambda' ? 'CodeDeployDefault.LambdaAllAtOnce' : 'CodeDeployDefault.OneAtATime')}`,
      ...(input.creator && input.creator !== 'user' ? [`**Creator** ${input.creator}`] : []),
      ...(input.description ? [`**Description** ${input.description}`] : []),
    ]
      .map((line) => `- ${line}`)
      .join('\n'), // a Markdown list: the UI renders one line per field
  };
}

/** The memo key holding a deployment's revision as given, for revision listings (visibility keeps only its description). */
export const REVISION_MEMO = 'revision';

/** Everything a deployment workflow starts with besides its input: search attributes, memo, UI summary and details. */
export function deploymentStartOptions(
  input: DeploymentInput,
  status: DeploymentStatus,
  revision?: string,
): { typedSearchAttributes: SearchAttributePair[]; memo: Record<string, unknown>; staticSummary: string; staticDetails: string } {
  return { typedSearchAttributes: deploymentSearchAttributes(input, status, revision), memo: { [REVISION_MEMO]: input.revision }, ...deploymentMetadata(input) };
}
