/**
 * The Dockerfile and docker-compose.yml, without a Docker engine: their structure, and that every
 * command, flag, path and setting they use exists in the project.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { commandHelp, COMMANDS } from '../../../workers/cli/main.js';
import { REPO_ROOT } from '../../../workers/tools.js';

interface Service {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  command?: string[] | string;
  entrypoint?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  environment?: Record<string, string | number>;
  volumes?: string[];
  profiles?: string[];
  user?: string;
}

const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
/** Every GANTRY_* setting the code reads. */
const codeText = execFileSync('grep', ['-rhoE', 'GANTRY_[A-Z_]+', ...['workers', 'agent', 'activities'].map((dir) => join(REPO_ROOT, dir))], { encoding: 'utf8' });

describe('Dockerfile', () => {
  const stages = instructions.filter((line) => line.startsWith('FROM ')).map((line) => / AS (\S+)$/i.exec(line)?.[1]);

  it('builds in stages and runs the compiled build on the current Node LTS, without the sources', () => {
    expect(stages.slice(0, -1).every(Boolean)).toBe(true);
    expect(instructions.filter((line) => line.startsWith('FROM ')).every((line) => /^FROM node:(22|24)-/.test(line))).toBe(true);
    expect(instructions).toContain('RUN node scripts/build.mjs');
    const final = instructions.slice(instructions.lastIndexOf(instructions.filter((line) => line.startsWith('FROM ')).at(-1) as string));
    expect(final.filter((line) => /^COPY (?!--from)/.test(line)).join('\n')).not.toMatch(/COPY (workflows|activities|workers|agent) /);
    expect(final).toContain('ENTRYPOINT ["node", "/opt/gantry/bin/gantry.mjs"]');
    expect(final).toContain('WORKDIR /opt/gantry');
  });

  it('copies only what exists, from stages that exist', () => {
    for (const line of instructions.filter((l) => l.startsWith('COPY '))) {
      const from = /--from=(\S+)/.exec(line)?.[1];
      if (from) {
        expect(stages, line).toContain(from);
        continue;
      }
      const sources = line.replace(/^COPY\s+/, '').split(/\s+/).slice(0, -1);
      for (const source of sources) expect(existsSync(join(REPO_ROOT, source)), `${line}: ${source}`).toBe(true);
    }
  });

  it("gives the entry point every file it imports (the final stage has no sources, so it runs dist/)", () => {
    const bin = readFileSync(join(REPO_ROOT, 'bin', 'gantry.mjs'), 'utf8');
    // What the final stage holds, relative to its WORKDIR: a directory destination gets each source's name.
    const copied = instructions
      .slice(instructions.lastIndexOf(instructions.filter((line) => line.startsWith('FROM ')).at(-1) as string))
      .filter((l) => l.startsWith('COPY '))
      .flatMap((l) => {
        const words = l.split(/\s+/).slice(1).filter((w) => !w.startsWith('--'));
        const destination = words.at(-1) as string;
        return destination.endsWith('/') ? words.slice(0, -1).map((source) => `${destination}${source.split('/').at(-1)}`) : [destination];
      });
    const imports = [...bin.matchAll(/(?:from|import\()\s*'\.\.\/([^']+)'/g)].map((m) => m[1] as string).filter((path) => !path.endsWith('.ts') && !path.startsWith('agent/'));
    expect(imports.length).toBeGreaterThan(0);
    for (const path of imports) expect(copied.some((c) => path === c || path.startsWith(`${c}/`)), path).toBe(true);
  });

  it('sets only settings the code reads', () => {
    for (const name of dockerfile.match(/GANTRY_[A-Z_]+/g) ?? []) expect(codeText, name).toContain(name);
  });
});

describe('docker-compose.yml', () => {
  const services = compose.services;
  const gantryServices = Object.entries(services).filter(([, s]) => s.image === 'gantry');

  it('has Temporal on PostgreSQL, its UI, a controller, two agents, and moto as an option', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'controller', 'agent-1', 'agent-2', 'moto']));
    expect(services.temporal?.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(services.moto?.profiles).toEqual(['moto']);
    expect(services.controller?.build).toBe('.');
    expect(existsSync(join(REPO_ROOT, 'Dockerfile'))).toBe(true);
    expect(gantryServices.map(([name]) => name)).toEqual(expect.arrayContaining(['controller', 'agent-1', 'agent-2']));
  });

  it('names only services that exist, and volumes that are declared or exist in the project', () => {
    for (const [name, service] of Object.entries(services)) {
      const dependencies = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
      for (const dependency of dependencies) expect(Object.keys(services), `${name} depends on ${dependency}`).toContain(dependency);
      for (const volume of service.volumes ?? []) {
        const [source] = volume.split(':') as [string];
        if (source.startsWith('.')) expect(existsSync(join(REPO_ROOT, source)), `${name}: ${volume}`).toBe(true);
        else expect(Object.keys(compose.volumes ?? {}), `${name}: ${volume}`).toContain(source);
      }
    }
  });

  it('runs gantry commands and flags that exist; agents as root, on their own state volumes', () => {
    for (const [name, service] of gantryServices) {
      if (!service.command) continue;
      const [command, ...args] = service.command as string[];
      expect(Object.keys(COMMANDS), `${name}: ${command}`).toContain(command);
      const help = commandHelp(command as string);
      for (const flag of args.filter((arg) => arg.startsWith('--'))) expect(help, `${name}: gantry ${command} ${flag}`).toContain(flag);
    }
    for (const agent of ['agent-1', 'agent-2']) {
      expect(services[agent]?.user).toBe('root');
      const root = (services[agent]?.command as string[])[(services[agent]?.command as string[]).indexOf('--root') + 1];
      expect(services[agent]?.volumes?.some((v) => v.endsWith(`:${root}`))).toBe(true);
      expect(services[agent]?.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
    }
  });

  it('registers the search attributes Gantry uses', async () => {
    const { SearchAttributeName } = await import('../../../workflows/contracts/naming.js');
    const setup = JSON.stringify(services['gantry-setup']?.command);
    for (const attribute of Object.values(SearchAttributeName)) expect(setup, attribute).toContain(attribute);
  });
});
