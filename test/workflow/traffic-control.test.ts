import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentInput, DeploymentView } from '../../workflows/contracts/deployment.js';
import { getDeployment, startDeployment } from '../../workers/deployments.js';
import { startFakeFleet, type FakeFleet } from '../support/fake-hosts.js';
import { fakeRouter } from '../support/fake-router.js';
import { startController, uniqueName, type Harness } from '../support/harness.js';

describe('workflows/deployment: in-place with traffic control (fake load balancer)', () => {
  let harness: Harness;
  let fleet: FakeFleet;
  const lb = fakeRouter();
  const prefix = uniqueName('traffic');
  const host = (n: number): string => `${prefix}-h${n}`;

  beforeAll(async () => {
    harness = await startController(uniqueName('traffic control'), { trafficRouter: lb.router, trafficPollMs: 50 });
    fleet = await startFakeFleet(harness, [host(1), host(2), host(3), host(4)], 5);
    await fleet.register([1, 2, 3].map((n) => ({ hostId: host(n), tags: {}, zone: null, loadBalancerTarget: { id: `10.0.0.${n}`, port: 8080 } })));
  });
  afterAll(async () => {
    await fleet?.close();
    await harness?.close();
  });

  const deploy = async (hostId: string, extra: Partial<DeploymentInput> = {}): Promise<DeploymentView> => {
    const id = await startDeployment(
      harness.client,
      {
        applicationName: 'traffic-app',
        deploymentGroupName: prefix,
        revision: { revisionType: 'Local', local: { path: '/srv/app' } },
        targetHosts: [hostId],
        loadBalancerInfo: { targetGroupInfoList: [{ name: 'web-a' }, { name: 'web-b' }], trafficTimeoutSeconds: 1 },
        ...extra,
      },
      { taskQueue: harness.taskQueue },
    );
    await harness.client.workflow.getHandle(id).result().catch(() => undefined);
    return getDeployment(harness.client, id);
  };
  const events = (view: DeploymentView): string[] => view.targets[0]?.lifecycleEvents.map((e) => `${e.lifecycleEventName}:${e.status}`) ?? [];

  it('blocks traffic before the install events and allows it after, in CodeDeploy order', async () => {
    const view = await deploy(host(1));
    expect(view.status).toBe('Succeeded');
    expect(events(view)).toEqual([
      'BeforeBlockTraffic:Succeeded', 'BlockTraffic:Succeeded', 'AfterBlockTraffic:Succeeded',
      'ApplicationStop:Succeeded', 'DownloadBundle:Succeeded', 'BeforeInstall:Succeeded', 'Install:Succeeded',
      'AfterInstall:Succeeded', 'ApplicationStart:Succeeded', 'ValidateService:Succeeded',
      'BeforeAllowTraffic:Succeeded', 'AllowTraffic:Succeeded', 'AfterAllowTraffic:Succeeded',
    ]);
    expect(lb.calls.filter((c) => c.endsWith(' 10.0.0.1'))).toEqual([
      'deregister arn:tg/web-a 10.0.0.1', 'deregister arn:tg/web-b 10.0.0.1',
      'register arn:tg/web-a 10.0.0.1', 'register arn:tg/web-b 10.0.0.1',
    ]);
    expect(view.targets[0]?.lifecycleEvents.find((e) => e.lifecycleEventName === 'AllowTraffic')?.diagnostics?.message).toMatch(/Registered and healthy in web-a, web-b/);
  });

  it('leaves the load balancer alone under deploymentStyle WITHOUT_TRAFFIC_CONTROL (CodeDeploy ignores loadBalancerInfo then)', async () => {
    const before = lb.calls.length;
    const view = await deploy(host(4), { deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' } });
    expect(view.status).toBe('Succeeded');
    expect(events(view)).toEqual([
      'ApplicationStop:Succeeded', 'DownloadBundle:Succeeded', 'BeforeInstall:Succeeded', 'Install:Succeeded',
      'AfterInstall:Succeeded', 'ApplicationStart:Succeeded', 'ValidateService:Succeeded',
    ]);
    expect(lb.calls.slice(before)).toEqual([]);
  });

  it('fails AllowTraffic at once when a target group reports the host unhealthy', async () => {
    lb.allowHealth.set('10.0.0.2', { state: 'unhealthy', reason: 'Target.ResponseCodeMismatch', description: 'Health checks failed with these codes: [502]' });
    const view = await deploy(host(2));
    expect(view.errorInformation?.code).toBe('HEALTH_CONSTRAINTS');
    const allow = view.targets[0]?.lifecycleEvents.find((e) => e.lifecycleEventName === 'AllowTraffic');
    expect(allow?.status).toBe('Failed');
    expect(allow?.diagnostics?.message).toMatch(/unhealthy in target group web-a: unhealthy \(Target\.ResponseCodeMismatch: Health checks failed with these codes: \[502\]\)/);
    expect(events(view).at(-1)).toBe('AfterAllowTraffic:Skipped');
  });

  it('fails BlockTraffic when deregistration does not finish within the traffic timeout', async () => {
    lb.stuckDraining.add('10.0.0.3');
    const view = await deploy(host(3));
    const block = view.targets[0]?.lifecycleEvents.find((e) => e.lifecycleEventName === 'BlockTraffic');
    expect(block?.status).toBe('Failed');
    expect(block?.diagnostics?.message).toMatch(/was not deregistered within 1s \(web-a: draining \(Target\.DeregistrationInProgress\); web-b: draining/);
    expect(events(view).slice(3).every((e) => e.endsWith(':Skipped'))).toBe(true);
  });

  it('fails BlockTraffic on a host that registered no load balancer target, and on a missing target group', async () => {
    const unregistered = await deploy(host(4));
    expect(unregistered.targets[0]?.lifecycleEvents[1]?.diagnostics?.message).toMatch(/has no load balancer target: start its agent with --elb-target/);
    const missing = await deploy(host(1), { loadBalancerInfo: { targetGroupInfoList: [{ name: 'missing-tg' }] } });
    expect(missing.targets[0]?.lifecycleEvents[1]?.diagnostics?.message).toMatch(/ELBv2 target group missing-tg does not exist/);
  });
});
