import { spawnSync } from 'node:child_process';
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CREDENTIAL_ENV } from './environ.js';

/**
 * Simulated hosts let several agents share one machine although AppSpec destinations are absolute
 * paths. Each agent runs in private Linux mount and PID namespaces where the listed directories are
 * copy-on-write overlays: reads see the machine's files, writes land in the host's own layer under
 * `<root>/host-fs/`. Everything a hook starts lives in the host's PID namespace and dies with the
 * agent. Production agents never use this.
 */
export const DEFAULT_PRIVATE_DIRS = ['/etc', '/opt', '/srv'];

/** Set inside the namespaces so the agent does not wrap itself twice. */
export const INSIDE_ENV = 'GANTRY_SIMULATED_HOST_INSIDE';

/** Where a simulated host's writes to `dir` end up, seen from outside the host. */
export function hostLayerPath(rootDir: string, dir: string, ...rest: string[]): string {
  return join(rootDir, 'host-fs', dir.replace(/^\/+/, '').replace(/\//g, '_'), 'upper', ...rest);
}

/**
 * PID 1 of a simulated host: starts the agent, forwards it the signals a service manager sends, and
 * reaps every orphan the host's hooks leave (daemons, double forks). Node as PID 1 never reaps them,
 * so a fleet of zombies would soon exhaust the host's processes. Perl is part of every Debian base
 * system. Exits with the agent's own status.
 */
const REAPER = [
  'my $agent = fork(); die "fork: $!" unless defined $agent;',
  'if ($agent == 0) { exec { $ARGV[0] } @ARGV or die "exec $ARGV[0]: $!"; }',
  // The agent has its copy: blank the same variables in this process's own start-up block (see agent/environ.ts).
  `for (keys %ENV) { delete $ENV{$_} if /${CREDENTIAL_ENV.source}/i }`,
  'if (open(my $st, "<", "/proc/self/stat") and open(my $m, "+<:raw", "/proc/self/mem")) {',
  '  my $l = <$st>; $l =~ s/^.*\\) //; my @f = split / /, $l; my ($s, $e) = ($f[47], $f[48]); my $b;',
  '  sysseek($m, $s, 0); sysread($m, $b, $e - $s);',
  `  $b =~ s/(^|\\0)([^=\\0]*=)([^\\0]*)/do { my ($p, $n, $v) = ($1, $2, $3); my $k = substr($n, 0, -1); $p . $n . ($k =~ m{${CREDENTIAL_ENV.source}}i ? "*" x length($v) : $v) }/ge;`,
  '  sysseek($m, $s, 0); syswrite($m, $b); }',
  'for my $s (qw(TERM INT HUP QUIT USR1 USR2)) { $SIG{$s} = sub { kill $s, $agent } }',
  'while (1) { my $w = waitpid(-1, 0);',
  '  if ($w == $agent) { exit(($? & 127) ? 128 + ($? & 127) : $? >> 8) }',
  '  if ($w == -1) { next if $!{EINTR}; exit 0 } }',
].join(' ');

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command that runs `argv` as a simulated host rooted at `rootDir`: `unshare` with a mount
 * script that overlays each private directory, then a small reaper as PID 1 of the host that runs
 * the agent.
 */
export function simulatedHostCommand(rootDir: string, argv: readonly string[], privateDirs = DEFAULT_PRIVATE_DIRS): { command: string; args: string[] } {
  const mounts: string[] = [];
  for (const dir of privateDirs) {
    if (!dir.startsWith('/') || dir === '/') throw new Error(`private directory ${JSON.stringify(dir)} must be an absolute path other than /`);
    if (!existsSync(dir)) throw new Error(`private directory ${dir} does not exist on this machine`);
    const upper = hostLayerPath(rootDir, dir);
    const work = join(upper, '..', 'work');
    mkdirSync(upper, { recursive: true });
    mkdirSync(work, { recursive: true });
    mounts.push(`mount -t overlay gantry-host -o ${shellQuote(`lowerdir=${dir},upperdir=${upper},workdir=${work}`)} ${shellQuote(dir)}`);
  }
  const script = ['set -e', ...mounts, `exec perl -e ${shellQuote(REAPER)} "$@"`].join('; ');
  // --kill-child: if unshare dies, PID 1 gets SIGTERM (passed on to the agent); when PID 1 ends, the
  // kernel takes the whole host with it.
  const args = ['--mount', '--pid', '--fork', '--mount-proc', '--kill-child=SIGTERM', '--propagation', 'private'];
  if (process.getuid?.() !== 0) args.unshift('--user', '--map-root-user');
  return { command: 'unshare', args: [...args, '--', 'sh', '-c', script, 'gantry-host', ...argv] };
}

/** Explains why simulated hosts cannot run here, or returns undefined when they can. */
export function simulatedHostUnsupported(): string | undefined {
  if (process.platform !== 'linux') return 'simulated hosts need Linux mount and PID namespaces';
  const probe = simulatedHostCommand(join('/tmp', `gantry-probe-${process.pid}`), ['true'], []);
  const result = spawnSync(probe.command, probe.args, { encoding: 'utf8' });
  if (result.status !== 0) {
    return `simulated hosts need unshare with mount and PID namespaces (run as root, or enable unprivileged user namespaces): ${(result.stderr || String(result.error)).trim()}`;
  }
  return undefined;
}
