import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { SearchAttributeName } from './contracts/naming.js';

/** Typed keys of Gantry's custom search attributes (all Keyword; see contracts/naming.ts). */
export const GantrySearchAttributes = {
  application: defineSearchAttributeKey(SearchAttributeName.application, SearchAttributeType.KEYWORD),
  deploymentGroup: defineSearchAttributeKey(SearchAttributeName.deploymentGroup, SearchAttributeType.KEYWORD),
  revision: defineSearchAttributeKey(SearchAttributeName.revision, SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey(SearchAttributeName.status, SearchAttributeType.KEYWORD),
} as const;
