// The workflow bundle's entry point: exports workflow functions only. Their names are the
// workflow types (public API): `deployment` and `hostDeployment`.
export { deployment } from './deployment.js';
export { hostDeployment } from './host-deployment.js';
