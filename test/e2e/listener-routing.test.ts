/**
 * Whole-group traffic moves on moto's ELBv2: a listener switched from a blue target group to a green
 * one, weighted canary and linear steps, a rule as well as a listener, every call safe to repeat, and
 * clear failures. Each step is checked against the listener's actual state, read back from ELBv2.
 */
import { CreateRuleCommand, DescribeListenersCommand, DescribeRulesCommand, type ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeAll, describe, expect, it } from 'vitest';
import { elbv2ListenerRouter, forwardedGroups, sameShares, setTrafficWeights } from '../../activities/listener-routing.js';
import { uniqueName } from '../support/harness.js';
import { createIpTargetGroup, createLoadBalancerListener, motoElbv2 } from '../support/moto-elbv2.js';

describe('activities/listener-routing on moto ELBv2', () => {
  let elb: ElasticLoadBalancingV2Client;
  let listener = '';
  let blueArn = '';
  let greenArn = '';
  const name = uniqueName('lr').slice(0, 20);
  const blue = `${name}-b`;
  const green = `${name}-g`;
  const router = () => elbv2ListenerRouter(() => elb);

  /** What the listener forwards to, as ELBv2 reports it, by share (percent). */
  const actual = async (arn = listener): Promise<Record<string, number>> => {
    const actions = arn.includes(':listener-rule/')
      ? (await elb.send(new DescribeRulesCommand({ RuleArns: [arn] }))).Rules?.[0]?.Actions
      : (await elb.send(new DescribeListenersCommand({ ListenerArns: [arn] }))).Listeners?.[0]?.DefaultActions;
    const groups = forwardedGroups(actions, arn);
    const total = groups.reduce((sum, g) => sum + g.weight, 0);
    const names: Record<string, string> = { [blueArn]: 'blue', [greenArn]: 'green' };
    return Object.fromEntries(groups.filter((g) => g.weight > 0).map((g) => [names[g.targetGroupArn] ?? g.targetGroupArn, Math.round((100 * g.weight) / total)]));
  };

  beforeAll(async () => {
    elb = motoElbv2();
    blueArn = await createIpTargetGroup(elb, blue);
    greenArn = await createIpTargetGroup(elb, green);
    listener = await createLoadBalancerListener(elb, `${name}-lb`, blueArn);
  });

  it('shifts weights in canary steps, then switches to green, each step read back from the listener', async () => {
    expect(await actual()).toEqual({ blue: 100 });
    const step = (b: number, g: number) => setTrafficWeights(router(), { listenerArn: listener, weights: [{ targetGroupName: blue, weight: b }, { targetGroupName: green, weight: g }] });
    const canary = await step(90, 10);
    expect(canary.changed).toBe(true);
    expect(canary.before).toEqual([{ targetGroupArn: blueArn, weight: 1 }]);
    expect(await actual()).toEqual({ blue: 90, green: 10 });
    await step(50, 50);
    expect(await actual()).toEqual({ blue: 50, green: 50 });
    const switched = await setTrafficWeights(router(), { listenerArn: listener, weights: [{ targetGroupName: green, weight: 1 }] });
    expect(switched.changed).toBe(true);
    expect(await actual()).toEqual({ green: 100 });
  });

  it('is safe to repeat: the same shares change nothing, however the weights are written', async () => {
    await setTrafficWeights(router(), { listenerArn: listener, weights: [{ targetGroupName: blue, weight: 3 }, { targetGroupName: green, weight: 1 }] });
    expect(await actual()).toEqual({ blue: 75, green: 25 });
    const again = await setTrafficWeights(router(), { listenerArn: listener, weights: [{ targetGroupName: blue, weight: 75 }, { targetGroupName: green, weight: 25 }] });
    expect(again.changed).toBe(false);
    expect(await actual()).toEqual({ blue: 75, green: 25 });
  });

  it('puts a listener back exactly as it was from what the move answered (a rollback)', async () => {
    const moved = await setTrafficWeights(router(), { listenerArn: listener, weights: [{ targetGroupName: green, weight: 1 }] });
    await router().setForwarding(listener, moved.before);
    expect(await actual()).toEqual({ blue: 75, green: 25 });
  });

  it('moves a listener rule as well as a listener', async () => {
    const rule = await elb.send(new CreateRuleCommand({ ListenerArn: listener, Priority: 10, Conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }], Actions: [{ Type: 'forward', TargetGroupArn: blueArn }] }));
    const ruleArn = rule.Rules?.[0]?.RuleArn as string;
    await setTrafficWeights(router(), { listenerArn: ruleArn, weights: [{ targetGroupName: blue, weight: 80 }, { targetGroupName: green, weight: 20 }] });
    expect(await actual(ruleArn)).toEqual({ blue: 80, green: 20 });
    expect(await actual()).toEqual({ blue: 75, green: 25 }); // the listener's default action is untouched
  });

  it('refuses bad weights, missing target groups and missing listeners, naming them', async () => {
    const weights = (w: { targetGroupName: string; weight: number }[]) => setTrafficWeights(router(), { listenerArn: listener, weights: w });
    await expect(weights([{ targetGroupName: blue, weight: 1000 }])).rejects.toThrow(/whole number from 0 to 999; got 1000/);
    await expect(weights([{ targetGroupName: blue, weight: 0 }])).rejects.toThrow(/all 0/);
    await expect(weights([{ targetGroupName: blue, weight: 1 }, { targetGroupName: blue, weight: 2 }])).rejects.toThrow(/named twice/);
    await expect(weights([])).rejects.toThrow(/1-5/);
    await expect(weights([{ targetGroupName: `${name}-none`, weight: 1 }])).rejects.toThrow(/target group/);
    await expect(setTrafficWeights(router(), { listenerArn: `${listener.replace(/\/[0-9a-f]+$/, '/0000000000000000')}`, weights: [{ targetGroupName: blue, weight: 1 }] })).rejects.toThrow(/does not exist|not found/i);
    expect(await actual()).toEqual({ blue: 75, green: 25 });
  });

  it('compares shares, not raw weights', () => {
    expect(sameShares([{ targetGroupArn: 'a', weight: 1 }], [{ targetGroupArn: 'a', weight: 5 }])).toBe(true);
    expect(sameShares([{ targetGroupArn: 'a', weight: 1 }, { targetGroupArn: 'b', weight: 0 }], [{ targetGroupArn: 'a', weight: 1 }])).toBe(true);
    expect(sameShares([{ targetGroupArn: 'a', weight: 1 }, { targetGroupArn: 'b', weight: 1 }], [{ targetGroupArn: 'a', weight: 2 }, { targetGroupArn: 'b', weight: 1 }])).toBe(false);
  });
});
