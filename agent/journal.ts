/**
 * The event journal: one small JSON file per deployment and lifecycle event on the host, written
 * atomically as the event starts and ends. Temporal delivers activities at least once; with the
 * journal a repeated delivery returns the recorded outcome instead of running scripts twice, and an
 * agent that restarts finds the events its previous run left in flight and fails them at once
 * (CodeDeploy's "Failing in-progress lifecycle event after an agent restart").
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LifecycleEventResult } from '../workflows/contracts/agent.js';
import type { Diagnostics } from '../workflows/contracts/lifecycle.js';
import type { AgentLayout } from './layout.js';

export interface RecordedFailure {
  type: string;
  message: string;
  diagnostics: Diagnostics;
}

export interface JournalEntry {
  deploymentGroupId: string;
  deploymentId: string;
  event: string;
  state: 'started' | 'succeeded' | 'failed';
  attempt: number;
  /** Which run of the agent wrote the entry (a new ID per process start). */
  agentInstance: string;
  /** The activity task token (base64), so a restarted agent can fail the interrupted attempt. */
  taskToken?: string;
  startedAt: string;
  finishedAt?: string;
  result?: LifecycleEventResult;
  failure?: RecordedFailure;
}

export class EventJournal {
  /** Identifies this run of the agent. */
  readonly instance = randomUUID();

  constructor(private readonly layout: AgentLayout) {}

  private file(deploymentGroupId: string, deploymentId: string, event: string): string {
    return join(this.layout.deploymentDir(deploymentGroupId, deploymentId), 'journal', `${event}.json`);
  }

  async read(deploymentGroupId: string, deploymentId: string, event: string): Promise<JournalEntry | undefined> {
    try {
      return JSON.parse(await readFile(this.file(deploymentGroupId, deploymentId, event), 'utf8')) as JournalEntry;
    } catch {
      return undefined; // absent, or torn by a crash before the rename: treated as never started
    }
  }

  /** Writes the entry atomically (temporary file, then rename), so a crash never leaves half an entry. */
  async write(entry: JournalEntry): Promise<void> {
    const file = this.file(entry.deploymentGroupId, entry.deploymentId, entry.event);
    await mkdir(join(file, '..'), { recursive: true });
    const temporary = `${file}.${this.instance}.tmp`;
    await writeFile(temporary, `${JSON.stringify(entry)}\n`);
    await rename(temporary, file);
  }

  /** Entries a previous run of the agent left in the `started` state. */
  async interrupted(): Promise<JournalEntry[]> {
    const found: JournalEntry[] = [];
    const list = async (dir: string): Promise<string[]> => readdir(dir).catch(() => [] as string[]);
    for (const group of await list(this.layout.deploymentRoot)) {
      if (group === 'deployment-instructions') continue;
      for (const deployment of await list(join(this.layout.deploymentRoot, group))) {
        for (const name of await list(join(this.layout.deploymentRoot, group, deployment, 'journal'))) {
          if (!name.endsWith('.json')) continue;
          const entry = await this.read(group, deployment, name.slice(0, -'.json'.length));
          if (entry?.state === 'started' && entry.agentInstance !== this.instance) found.push(entry);
        }
      }
    }
    return found;
  }
}
