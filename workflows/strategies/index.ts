/**
 * The strategy registry: one line a strategy. The engine looks a deployment's strategy up here by
 * kind, so a new strategy needs no change to the shell or the interpreter.
 */
import { blueGreen } from './blue-green.js';
import { inPlace } from './in-place.js';
import { lambda } from './lambda.js';
import type { DeploymentStrategy, StrategyKind } from './strategy.js';

// Plans and states are each strategy's own JSON; the engine only hands them back to it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const STRATEGIES: { [K in StrategyKind]: DeploymentStrategy<any, any> } = {
  IN_PLACE: inPlace,
  BLUE_GREEN: blueGreen,
  LAMBDA: lambda,
};

export function strategyFor(kind: StrategyKind | undefined): DeploymentStrategy<unknown, unknown> {
  return STRATEGIES[kind ?? 'IN_PLACE'];
}
