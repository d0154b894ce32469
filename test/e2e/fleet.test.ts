import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { DeploymentView, TargetSummary, TargetView } from '../../workflows/contracts/deployment.js';
import { hostLayerPath } from '../../agent/simulated-host.js';
import type { AgentProcess } from '../../workers/agent-process.js';
import { startAgentProcess } from '../../workers/agent-process.js';
import { connectedGantry } from '../support/cli.js';
import { motoEnv, scratchDir, stackAddress, startController, uniqueName, type Harness } from '../support/harness.js';
import { createIpTargetGroup, motoElbv2 } from '../support/moto-elbv2.js';
import { writeProbeRevision } from '../support/probe-revision.js';

describe('e2e: fleets, tags, traffic control and failures at every lifecycle event (real agents)', () => {
  let harness: Harness;
  const agents: AgentProcess[] = [];
  const name = uniqueName('fleet');
  const app = `gantry-e2e-${name}`;
  const base = scratchDir('e2e-fleet');
  const marker = join(base, 'fail-at');
  const host = (n: number): string => `${name}-h${n}`;
  const { address, namespace } = stackAddress();
  const elb = motoElbv2();
  const targetGroup = `tg-${name}`.slice(0, 32);
  let targetGroupArn = '';

  const cli = connectedGantry({ address, namespace, taskQueue: () => harness.taskQueue });
  const deploy = async (group: string, args: string[]) => {
    const result = await cli(['create-deployment', '--application-name', 'fleet-app', '--deployment-group-name', group, '--local-location', `path=${join(base, 'probe')}`, '--wait',
      // Several groups deploy the same files to the same hosts here.
      '--file-exists-behavior', 'OVERWRITE', ...args]);
    return { code: result.code, stderr: result.stderr, view: result.json?.deploymentInfo as DeploymentView };
  };

  beforeAll(async () => {
    harness = await startController(uniqueName('e2e fleet'));
    writeProbeRevision(join(base, 'probe'), app, marker);
    writeProbeRevision(join(base, 'probe-bad-owner'), app, marker, `permissions:\n  - object: /srv/${app}\n    owner: no-such-user-${name.slice(-6)}\n`);
    const start = (n: number, tags: Record<string, string>, zone: string, elbTarget?: string) =>
      startAgentProcess({
        hostId: host(n), rootDir: join(base, 'hosts', host(n)), address, namespace, tags, zone, elbTarget, simulated: true,
        controllerTaskQueue: harness.taskQueue, env: motoEnv(),
      });
    agents.push(start(1, { role: 'web', fleet: name }, 'zone-a', '10.20.0.1'), start(2, { role: 'web', fleet: name }, 'zone-b', '10.20.0.2'), start(3, { role: 'db', fleet: name }, 'zone-a'), start(4, { role: 'worker', fleet: name }, 'zone-b'));
    targetGroupArn = await createIpTargetGroup(elb, targetGroup);
    // Wait until all four agents have registered.
    for (let i = 0; i < 100; i += 1) {
      const registered = await harness.client.workflow.getHandle(`${harness.taskQueue}/host-registry`).query<{ hostId: string }[]>('hosts').catch(() => []);
      if (registered.filter((h) => h.hostId.startsWith(name)).length === 4) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.kill()));
    await harness?.close();
    elb.destroy();
  });

  it('selects hosts by tag (CodeDeploy semantics), deploys HalfAtATime, and lists deployments and targets', async () => {
    const group = `${name}-web`;
    const result = await deploy(group, ['--tag-filters', 'Key=role,Value=web,Type=KEY_AND_VALUE', '--tag-filters', 'Key=role,Value=db,Type=KEY_AND_VALUE', '--deployment-config-name', 'HalfAtATime']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.view.targets.map((t) => t.targetId)).toEqual([host(1), host(2), host(3)]);
    expect(result.view.targets.every((t) => t.status === 'Succeeded' && t.lifecycleEvents.length === 7)).toBe(true);
    expect(existsSync(hostLayerPath(join(base, 'hosts', host(1)), '/srv', app, 'index.html'))).toBe(true);
    expect(existsSync(hostLayerPath(join(base, 'hosts', host(4)), '/srv', app, 'index.html'))).toBe(false);

    const targets = await cli(['list-deployment-targets', '--deployment-id', result.view.deploymentId]);
    expect((targets.json.targets as TargetSummary[]).map((t) => `${t.targetId}:${t.status}:${t.zone}`)).toEqual([`${host(1)}:Succeeded:zone-a`, `${host(2)}:Succeeded:zone-b`, `${host(3)}:Succeeded:zone-a`]);
    const one = await cli(['get-deployment-target', '--deployment-id', result.view.deploymentId, '--target-id', host(2)]);
    expect((one.json.deploymentTarget as TargetView).lifecycleEvents.map((e) => e.lifecycleEventName)).toContain('ValidateService');
    const missing = await cli(['get-deployment-target', '--deployment-id', result.view.deploymentId, '--target-id', host(4)]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(new RegExp(`has no target ${host(4)}`));

    // Visibility is eventually consistent (and the CLI may hit a busy server): poll, keeping the last error.
    let listed: { deploymentId: string; status: string }[] = [];
    let lastError = '';
    for (let i = 0; i < 50 && !listed.some((d) => d.deploymentId === result.view.deploymentId && d.status === 'Succeeded'); i += 1) {
      const out = await cli(['list-deployments', '--application-name', 'fleet-app', '--deployment-group-name', group]);
      listed = out.json?.deployments ?? [];
      lastError = out.stderr;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(listed, lastError).toEqual([expect.objectContaining({ deploymentId: result.view.deploymentId, status: 'Succeeded', deploymentGroupName: group })]);
    const failedOnly = await cli(['list-deployments', '--application-name', 'fleet-app', '--include-only-statuses', 'Failed']);
    expect(failedOnly.code, failedOnly.stderr).toBe(0);
    expect(failedOnly.json.deployments.some((d: { deploymentId: string }) => d.deploymentId === result.view.deploymentId)).toBe(false);
  });

  it('in place with traffic control: deregisters from and re-registers with a moto ELBv2 target group', async () => {
    const result = await deploy(`${name}-lb`, ['--target-hosts', `${host(1)},${host(2)}`, '--target-group-names', targetGroup]);
    expect(result.code, result.stderr).toBe(0);
    for (const target of result.view.targets) {
      expect(target.lifecycleEvents.map((e) => e.lifecycleEventName)).toEqual([
        'BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic', 'ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install',
        'AfterInstall', 'ApplicationStart', 'ValidateService', 'BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic',
      ]);
      expect(target.lifecycleEvents.every((e) => e.status === 'Succeeded')).toBe(true);
    }
    const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
    expect((health.TargetHealthDescriptions ?? []).map((d) => `${d.Target?.Id}:${d.TargetHealth?.State}`).sort()).toEqual(['10.20.0.1:healthy', '10.20.0.2:healthy']);
  });

  describe('a failure injected at each lifecycle event fails the host there and skips the rest', () => {
    const group = `${name}-fail`;
    beforeAll(async () => {
      rmSync(marker, { force: true });
      // A first successful deployment, so the previous-revision events have scripts to run.
      const first = await deploy(group, ['--target-hosts', host(1), '--target-group-names', targetGroup]);
      expect(first.code, first.stderr).toBe(0);
    });

    it.each<[string, string[], RegExp]>([
      ['BeforeBlockTraffic', [], /injected failure at BeforeBlockTraffic/],
      ['BlockTraffic', ['--target-group-names', 'no-such-target-group'], /target group/i],
      ['AfterBlockTraffic', [], /injected failure at AfterBlockTraffic/],
      ['ApplicationStop', [], /injected failure at ApplicationStop/],
      ['DownloadBundle', ['--local-location', 'path=/nonexistent/revision'], /nonexistent/],
      ['BeforeInstall', [], /injected failure at BeforeInstall/],
      ['Install', ['--local-location', 'path=BAD_OWNER'], /no-such-user/],
      ['AfterInstall', [], /injected failure at AfterInstall/],
      ['ApplicationStart', [], /injected failure at ApplicationStart/],
      ['ValidateService', [], /injected failure at ValidateService/],
      ['BeforeAllowTraffic', [], /injected failure at BeforeAllowTraffic/],
      ['AfterAllowTraffic', [], /injected failure at AfterAllowTraffic/],
    ])('%s', async (event, extra, message) => {
      writeFileSync(marker, event);
      try {
        const args = ['--target-hosts', host(1), ...(extra.includes('--target-group-names') ? [] : ['--target-group-names', targetGroup]), ...extra].map((a) =>
          a === 'path=BAD_OWNER' ? `path=${join(base, 'probe-bad-owner')}` : a,
        );
        // A later --local-location overrides the probe: parseArgs keeps the last value.
        const result = await deploy(group, args);
        expect(result.code).toBe(1);
        expect(result.view.errorInformation?.code).toBe('HEALTH_CONSTRAINTS');
        const events = result.view.targets[0]?.lifecycleEvents ?? [];
        const failedAt = events.findIndex((e) => e.status === 'Failed');
        expect(events[failedAt]?.lifecycleEventName).toBe(event);
        expect(`${events[failedAt]?.diagnostics?.message} ${events[failedAt]?.diagnostics?.logTail}`).toMatch(message);
        expect(events.slice(failedAt + 1).every((e) => e.status === 'Skipped')).toBe(true);
        expect(result.view.errorInformation?.message).toContain(`First failure: ${host(1)}, ${event}`);
      } finally {
        rmSync(marker, { force: true });
      }
    });
  });

  it('a host whose agent dies mid-event fails within the heartbeat timeout; one with no agent within the schedule-to-start timeout', async () => {
    writeFileSync(`${marker}.slow`, '60');
    try {
      const running = deploy(`${name}-dies`, ['--target-hosts', host(4), '--heartbeat-timeout', '3']);
      // Kill the agent while ApplicationStart sleeps.
      for (let i = 0; i < 100; i += 1) {
        const log = existsSync(hostLayerPath(join(base, 'hosts', host(4)), '/srv', app, 'index.html'));
        if (log) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      await new Promise((r) => setTimeout(r, 1500));
      await agents[3]?.kill();
      const result = await running;
      expect(result.code).toBe(1);
      const failed = result.view.targets[0]?.lifecycleEvents.find((e) => e.status === 'Failed');
      expect(failed?.lifecycleEventName).toBe('ApplicationStart');
      expect(failed?.diagnostics?.message).toMatch(/stopped responding.*heartbeat timeout/);
    } finally {
      rmSync(`${marker}.slow`, { force: true });
    }
    const absent = await deploy(`${name}-absent`, ['--target-hosts', `${name}-never-started`, '--schedule-to-start-timeout', '2']);
    expect(absent.code).toBe(1);
    expect(absent.view.targets[0]?.failedEvent?.diagnostics.message).toMatch(/did not pick up the lifecycle event in time/);
  });
});
