// The workflow bundle's entry point: exports workflow functions only. Their names are the
// workflow types (public API): `deployment`, `hostDeployment`, `hostRegistry`, `deploymentConfigs`, `deploymentGroup`, `applications` and `crossRegionRollout`.
export { deployment } from './deployment.js';
export { hostDeployment } from './host-deployment.js';
export { hostRegistry } from './host-registry.js';
export { deploymentConfigs } from './deployment-configs.js';
export { deploymentGroup } from './deployment-group.js';
export { applications } from './applications.js';
export { crossRegionRollout } from './rollout.js';
