/**
 * The contract between a deployment strategy and the engine. A strategy is pure: a planner from the
 * configuration and the selected targets to a plan, and a state machine over that plan that says what
 * happens next as steps. The interpreter (`workflows/interpreter.ts`) carries the steps out with
 * Temporal primitives; the shell (`workflows/deployment.ts`) does everything a deployment does
 * whatever its strategy. Adding a strategy is one module and one line in `./index.ts`.
 */
import type { DeploymentConfig } from '../contracts/deployment-config.js';
import type { LifecycleEventName } from '../contracts/lifecycle.js';
import type { InstanceHealth, RevisionHealth } from '../contracts/hosts.js';

/** A selected target with its health, as every planner receives it. */
export interface CandidateTarget {
  hostId: string;
  zone: string | null;
  instanceHealth: InstanceHealth;
  revisionHealth: RevisionHealth;
  /** The revision (describeRevision key) this group last installed successfully on the host. */
  installedRevision: string | null;
}

/** The strategies the engine knows; the wire value of a deployment's strategy in its progress. */
export type StrategyKind = 'IN_PLACE';

/**
 * What a strategy asks for next. Kinds to come with their strategies (and, each, a change of the
 * interpreter): moving traffic, waiting for a person or a timeout, retiring hosts.
 */
export type StrategyStep =
  /** Start these hosts' children now (each runs the strategy's lifecycle events). */
  | { kind: 'deployHosts'; hostIds: string[] }
  /** Nothing else can happen until a host in flight finishes. */
  | { kind: 'waitForHosts' }
  /** Wait this long (alarms are polled; a stop ends it early), then call bakeFinished(). */
  | { kind: 'bake'; seconds: number }
  | { kind: 'succeeded' }
  | { kind: 'failed'; message: string };

export type StrategyPlanResult<Plan> = { ok: true; plan: Plan } | { ok: false; code: 'HEALTH_CONSTRAINTS_INVALID' | 'NO_INSTANCES'; message: string };

export interface StrategyPlanOptions {
  /** Deploy only to hosts whose installed revision differs from this one (updateOutdatedInstancesOnly). */
  skipHostsRunning?: string;
}

/** One deployment's run of a strategy. Its state is plain JSON, carried across continue-as-new. */
export interface StrategyRun<State> {
  readonly state: State;
  /** The steps to carry out now, in order. At most `limit` hosts may be in flight (0: start none). */
  next(limit: number): StrategyStep[];
  hostFinished(hostId: string, succeeded: boolean): void;
  bakeFinished(): void;
  /** Hosts started and not finished. */
  inFlight(): number;
  /** Hosts that failed so far. */
  failed(): number;
  /** The zone being deployed or baked, for a strategy that goes zone by zone; undefined otherwise. */
  zone(): { zone: string | null | undefined } | undefined;
}

export interface DeploymentStrategy<Plan, State> {
  readonly kind: StrategyKind;
  plan(config: DeploymentConfig, targets: readonly CandidateTarget[], options: StrategyPlanOptions): StrategyPlanResult<Plan>;
  /** Hosts the plan leaves alone (already up to date): listed as Skipped. */
  skipped(plan: Plan): readonly string[];
  run(plan: Plan, state?: State): StrategyRun<State>;
  /** The lifecycle events each host's child runs. */
  hostEvents(options: { trafficControl: boolean }): LifecycleEventName[];
}
