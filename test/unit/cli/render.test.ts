import { describe, expect, it } from 'vitest';
import { summary } from '../../../workers/cli/render.js';
import type { DeploymentView } from '../../../workflows/contracts/deployment.js';

const view = (extra: Partial<DeploymentView>): DeploymentView => ({
  deploymentId: 'd-RENDER001',
  applicationName: 'shop',
  deploymentGroupName: 'web',
  deploymentGroupId: 'g',
  deploymentConfigName: 'CodeDeployDefault.OneAtATime',
  revision: { revisionType: 'Local', local: { path: '/srv/app' } },
  creator: 'user',
  status: 'InProgress',
  createTime: '2026-12-01T10:00:00.000Z',
  deploymentOverview: { Pending: 1, InProgress: 1, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 },
  updateOutdatedInstancesOnly: false,
  targets: [],
  ...extra,
});

describe('workers/cli/render: summary', () => {
  it('shows the step a running deployment is at, with its zone', () => {
    const text = summary(view({ currentStep: { kind: 'bake', detail: '60s', since: '2026-12-01T10:01:00.000Z' }, currentZone: 'us-east-1a' }));
    expect(text.split('\n')[2]).toBe('  step: bake 60s (zone us-east-1a) since 2026-12-01T10:01:00.000Z');
  });

  it('leaves the step out once the deployment has ended', () => {
    expect(summary(view({ status: 'Succeeded', currentStep: { kind: 'succeeded', since: '2026-12-01T10:02:00.000Z' } }))).not.toMatch(/step:/);
  });
});
