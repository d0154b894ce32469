// The workflow bundle's entry point: exports workflow functions only. Their names are the
// workflow types (public API): `deployment`, `hostDeployment` and `hostRegistry`.
export { deployment } from './deployment.js';
export { hostDeployment } from './host-deployment.js';
export { hostRegistry } from './host-registry.js';
