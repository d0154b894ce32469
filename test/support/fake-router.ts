import { sameShares, type ListenerRouter, type WeightedTargetGroup } from '../../activities/listener-routing.js';
import type { TargetState, TrafficRouter } from '../../activities/traffic.js';
import type { LoadBalancerTarget } from '../../workflows/contracts/hosts.js';

/**
 * A scripted load balancer: targets are in or out of each group, and report the health the test
 * sets (moto only ever reports `healthy`, so the unhealthy and stuck paths are tested here).
 */
export function fakeRouter() {
  const registered = new Set<string>();
  const calls: string[] = [];
  const allowHealth = new Map<string, TargetState>();
  const stuckDraining = new Set<string>();
  const router: TrafficRouter = {
    async targetGroupArns(names) {
      return new Map(names.filter((n) => n !== 'missing-tg').map((n) => [n, `arn:tg/${n}`]));
    },
    async register(arn, target) {
      calls.push(`register ${arn} ${target.id}`);
      registered.add(`${arn}|${target.id}`);
    },
    async deregister(arn, target) {
      calls.push(`deregister ${arn} ${target.id}`);
      registered.delete(`${arn}|${target.id}`);
    },
    async health(arn, target: LoadBalancerTarget) {
      if (!registered.has(`${arn}|${target.id}`)) return stuckDraining.has(target.id) ? { state: 'draining', reason: 'Target.DeregistrationInProgress' } : { state: 'unused', reason: 'Target.NotRegistered' };
      return allowHealth.get(target.id) ?? { state: 'healthy' };
    },
  };
  return { router, calls, allowHealth, stuckDraining };
}


/**
 * A scripted listener for whole-group moves: target group `name` has ARN `arn:tg/name`; each listener
 * forwards as the test sets it, and every change is recorded.
 */
export function fakeListeners() {
  const forwarding = new Map<string, WeightedTargetGroup[]>();
  const changes: string[] = [];
  const router: ListenerRouter = {
    async targetGroupArns(names) {
      return new Map(names.map((n) => [n, `arn:tg/${n}`]));
    },
    async targetGroupNames(arns) {
      return new Map(arns.map((a) => [a, a.replace(/^arn:tg\//, '')]));
    },
    async forwarding(arn) {
      return forwarding.get(arn) ?? [];
    },
    async setForwarding(arn, groups) {
      if (sameShares(forwarding.get(arn) ?? [], groups)) return 'unchanged';
      forwarding.set(arn, [...groups]);
      changes.push(groups.map((g) => `${g.targetGroupArn.replace(/^arn:tg\//, '')}=${g.weight}`).join(','));
      return 'changed';
    },
  };
  /** What the listener forwards to, as `name=weight,…`. */
  const shown = (arn: string): string => (forwarding.get(arn) ?? []).map((g) => `${g.targetGroupArn.replace(/^arn:tg\//, '')}=${g.weight}`).join(',');
  return { router, forwarding, changes, shown };
}
