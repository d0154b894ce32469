/**
 * Traffic between whole target groups, at an ELBv2 listener or listener rule: switch it from one
 * target group to another (blue/green's reroute), or split it by weight (canary and linear shifts).
 * Only the `forward` action is touched; any other action (authenticate-oidc, say) keeps its place.
 * Every call reads first and changes nothing when the listener already forwards as asked, so a
 * retried activity is harmless.
 */
import { ApplicationFailure } from '@temporalio/activity';
import {
  type Action,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { FailureType } from '../workflows/contracts/errors.js';
import { targetGroupArnsByName } from './traffic.js';
import type { TrafficWeight, TrafficWeightsRequest, TrafficWeightsResult } from '../workflows/contracts/controller.js';

/** ELBv2's limits on a weighted forward action. */
export const MAX_WEIGHTED_TARGET_GROUPS = 5;
export const MAX_TARGET_GROUP_WEIGHT = 999;

export interface WeightedTargetGroup {
  targetGroupArn: string;
  weight: number;
}

/** The seam between whole-group traffic moves and a load balancer: ELBv2 here, a fake in workflow tests. */
export interface ListenerRouter {
  /** Target group ARNs by name; a group that does not exist fails, naming it. */
  targetGroupArns(names: readonly string[]): Promise<Map<string, string>>;
  /** Target group names by ARN. */
  targetGroupNames(arns: readonly string[]): Promise<Map<string, string>>;
  /** What the listener (its default actions) or rule forwards to, by weight. */
  forwarding(listenerOrRuleArn: string): Promise<WeightedTargetGroup[]>;
  /** Forwards to exactly these groups with these weights; 'unchanged' when it already did. */
  setForwarding(listenerOrRuleArn: string, groups: readonly WeightedTargetGroup[]): Promise<'changed' | 'unchanged'>;
}

function failed(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.TrafficControlFailed, message, nonRetryable: true });
}

/** Rules are `…:listener-rule/…`; listeners `…:listener/…`. */
function isRule(arn: string): boolean {
  return /:listener-rule\//.test(arn);
}

/** A forward action's groups, from either shape ELBv2 returns (moto omits ForwardConfig for a single group). */
export function forwardedGroups(actions: readonly Action[] | undefined, where: string): WeightedTargetGroup[] {
  const forward = (actions ?? []).find((a) => a.Type === 'forward');
  if (!forward) throw failed(`${where} has no forward action; Gantry moves traffic only between target groups it forwards to`);
  const weighted = forward.ForwardConfig?.TargetGroups;
  if (weighted && weighted.length > 0) return weighted.map((g) => ({ targetGroupArn: g.TargetGroupArn ?? '', weight: g.Weight ?? 1 }));
  return forward.TargetGroupArn ? [{ targetGroupArn: forward.TargetGroupArn, weight: 1 }] : [];
}

/** Two forwardings are the same when each group gets the same share (1:1 is 50:50); weight-0 groups count as absent. */
export function sameShares(a: readonly WeightedTargetGroup[], b: readonly WeightedTargetGroup[]): boolean {
  const shares = (groups: readonly WeightedTargetGroup[]): Map<string, number> => {
    const total = groups.reduce((sum, g) => sum + g.weight, 0);
    return new Map(groups.filter((g) => g.weight > 0).map((g) => [g.targetGroupArn, total === 0 ? 0 : Math.round((g.weight / total) * 1e6)]));
  };
  const [x, y] = [shares(a), shares(b)];
  return x.size === y.size && [...x].every(([arn, share]) => y.get(arn) === share);
}

export function checkWeights(weights: readonly TrafficWeight[]): void {
  if (weights.length === 0 || weights.length > MAX_WEIGHTED_TARGET_GROUPS) throw failed(`traffic weights name ${weights.length} target groups; ELBv2 forwards to 1-${MAX_WEIGHTED_TARGET_GROUPS}`);
  const names = new Set<string>();
  for (const { targetGroupName, weight } of weights) {
    if (!Number.isInteger(weight) || weight < 0 || weight > MAX_TARGET_GROUP_WEIGHT) throw failed(`the weight of target group ${targetGroupName} must be a whole number from 0 to ${MAX_TARGET_GROUP_WEIGHT}; got ${weight}`);
    if (names.has(targetGroupName)) throw failed(`target group ${targetGroupName} is named twice in the traffic weights`);
    names.add(targetGroupName);
  }
  if (weights.every((w) => w.weight === 0)) throw failed('traffic weights are all 0: the listener would forward nowhere');
}

export function elbv2ListenerRouter(elb: () => ElasticLoadBalancingV2Client): ListenerRouter {
  const actionsOf = async (arn: string): Promise<Action[]> => {
    if (isRule(arn)) {
      const out = await elb().send(new DescribeRulesCommand({ RuleArns: [arn] }));
      return out.Rules?.[0]?.Actions ?? [];
    }
    const out = await elb().send(new DescribeListenersCommand({ ListenerArns: [arn] }));
    return out.Listeners?.[0]?.DefaultActions ?? [];
  };
  const missing = (err: unknown, arn: string): never => {
    const name = (err as Error).name;
    if (name === 'ListenerNotFoundException' || name === 'ListenerNotFound' || name === 'RuleNotFoundException' || name === 'RuleNotFound') {
      throw failed(`ELBv2 ${isRule(arn) ? 'listener rule' : 'listener'} ${arn} does not exist`);
    }
    throw err;
  };
  return {
    targetGroupArns: (names) => targetGroupArnsByName(elb, names),
    async targetGroupNames(arns) {
      if (arns.length === 0) return new Map();
      const out = await elb().send(new DescribeTargetGroupsCommand({ TargetGroupArns: [...arns] }));
      return new Map((out.TargetGroups ?? []).map((g) => [g.TargetGroupArn ?? '', g.TargetGroupName ?? '']));
    },
    async forwarding(arn) {
      const actions = await actionsOf(arn).catch((err: unknown) => missing(err, arn));
      return forwardedGroups(actions, arn);
    },
    async setForwarding(arn, groups) {
      const actions = await actionsOf(arn).catch((err: unknown) => missing(err, arn));
      if (sameShares(forwardedGroups(actions, arn), groups)) return 'unchanged';
      const forward: Action = {
        Type: 'forward',
        ForwardConfig: { TargetGroups: groups.map((g) => ({ TargetGroupArn: g.targetGroupArn, Weight: g.weight })) },
      };
      // Keep every other action (and its order); replace only the forward action.
      const next = actions.map((a) => (a.Type === 'forward' ? { ...forward, ...(a.Order !== undefined ? { Order: a.Order } : {}) } : a));
      if (isRule(arn)) await elb().send(new ModifyRuleCommand({ RuleArn: arn, Actions: next }));
      else await elb().send(new ModifyListenerCommand({ ListenerArn: arn, DefaultActions: next }));
      return 'changed';
    },
  };
}

/**
 * The `setTrafficWeights` activity: makes the listener or rule forward to the named target groups
 * with these weights (one group at 1 is a switch), and answers what it forwarded to before, so a
 * rollback can put it back exactly.
 */
export async function setTrafficWeights(router: ListenerRouter, request: TrafficWeightsRequest): Promise<TrafficWeightsResult> {
  checkWeights(request.weights);
  const arns = await router.targetGroupArns(request.weights.map((w) => w.targetGroupName));
  const absent = request.weights.filter((w) => !arns.get(w.targetGroupName)).map((w) => w.targetGroupName);
  if (absent.length > 0) throw failed(`ELBv2 target group ${absent.join(', ')} does not exist`);
  const before = await router.forwarding(request.listenerArn);
  const groups = request.weights.map((w) => ({ targetGroupArn: arns.get(w.targetGroupName) as string, weight: w.weight }));
  const outcome = await router.setForwarding(request.listenerArn, groups);
  return { listenerArn: request.listenerArn, before, after: groups, changed: outcome === 'changed' };
}

/** The `readTrafficWeights` activity: what a listener or rule forwards to, by target group name. */
export async function readTrafficWeights(router: ListenerRouter, request: { listenerArn: string }): Promise<{ listenerArn: string; weights: TrafficWeight[] }> {
  const groups = await router.forwarding(request.listenerArn);
  const names = await router.targetGroupNames(groups.map((g) => g.targetGroupArn));
  const unnamed = groups.filter((g) => !names.get(g.targetGroupArn)).map((g) => g.targetGroupArn);
  if (unnamed.length > 0) throw failed(`${request.listenerArn} forwards to target group ${unnamed.join(', ')}, which does not exist`);
  return { listenerArn: request.listenerArn, weights: groups.map((g) => ({ targetGroupName: names.get(g.targetGroupArn) as string, weight: g.weight })) };
}
