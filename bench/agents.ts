import { type AgentProcess, type AgentProcessOptions, startAgentProcess } from '../workers/agent-process.js';
import { waitUntil } from '../workers/processes.js';

/** A real agent for a figure, resolved once it polls its task queue; its output is kept for errors. */
export async function startBenchAgent(options: Omit<AgentProcessOptions, 'output'>): Promise<AgentProcess & { output: () => string }> {
  let output = '';
  const agent = startAgentProcess({ ...options, output: (chunk) => (output = (output + chunk).slice(-20_000)) });
  try {
    await waitUntil(`agent ${options.hostId} to poll its task queue`, async () => output.includes('polling') || agent.child.exitCode !== null, 60_000);
    if (agent.child.exitCode !== null) throw new Error(`agent ${options.hostId} exited before it polled:\n${output}`);
  } catch (err) {
    await agent.kill();
    throw err;
  }
  return { ...agent, output: () => output };
}
