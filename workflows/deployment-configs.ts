import { condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import type { DeploymentConfig } from './contracts/deployment-config.js';
import { validateCustomConfig } from './contracts/deployment-config.js';
import { createDeploymentConfigUpdate, deleteDeploymentConfigUpdate, deploymentConfigsQuery } from './messages.js';
import { joinProblems } from './contracts/values.js';

const EVENTS_BEFORE_CONTINUE_AS_NEW = 2_000;
/** CodeDeploy's quota of custom deployment configurations per account. */
const MAX_CUSTOM_CONFIGS = 200;

/**
 * The catalog of custom deployment configurations (CreateDeploymentConfig and friends). Created by
 * update-with-start on first use; deployments look names up in it. Validators refuse bad requests
 * before they reach history. Continues as new to stay small.
 */
export async function deploymentConfigs(state: { configs?: DeploymentConfig[] } = {}): Promise<never> {
  const configs = new Map<string, DeploymentConfig>((state.configs ?? []).map((c) => [c.deploymentConfigName, c]));
  setHandler(
    createDeploymentConfigUpdate,
    (config) => {
      configs.set(config.deploymentConfigName, config);
      return config;
    },
    {
      validator: (config) => {
        const problems = validateCustomConfig(config);
        if (problems.length > 0) throw new Error(`invalid deployment configuration: ${joinProblems(problems)}`);
        if (configs.has(config.deploymentConfigName)) throw new Error(`deployment configuration ${config.deploymentConfigName} already exists`);
        if (configs.size >= MAX_CUSTOM_CONFIGS) throw new Error(`at most ${MAX_CUSTOM_CONFIGS} custom deployment configurations can exist`);
      },
    },
  );
  setHandler(
    deleteDeploymentConfigUpdate,
    ({ deploymentConfigName }) => {
      configs.delete(deploymentConfigName);
    },
    {
      validator: ({ deploymentConfigName }) => {
        if (!configs.has(deploymentConfigName)) throw new Error(`deployment configuration ${deploymentConfigName} does not exist`);
      },
    },
  );
  setHandler(deploymentConfigsQuery, () => [...configs.values()].sort((a, b) => a.deploymentConfigName.localeCompare(b.deploymentConfigName)));
  await condition(() => workflowInfo().historyLength > EVENTS_BEFORE_CONTINUE_AS_NEW || workflowInfo().continueAsNewSuggested);
  return continueAsNew<typeof deploymentConfigs>({ configs: [...configs.values()] });
}
