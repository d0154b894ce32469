// The sample service: answers on a Unix socket (every simulated host has its own /srv, so no port
// clashes) with its version, the deployment that installed it, and the configured greeting.
import { createServer } from 'node:http';
import { readFileSync, rmSync } from 'node:fs';

const config = Object.fromEntries(
  readFileSync('/etc/gantry-sample/gantry-sample.conf', 'utf8')
    .split('\n')
    .filter((line) => line.includes('=') && !line.startsWith('#'))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);
const deployed = readFileSync('/srv/gantry-sample/run/deployed.env', 'utf8');
const deploymentId = /DEPLOYMENT_ID=(\S+)/.exec(deployed)?.[1] ?? 'unknown';
const version = readFileSync(new URL('./VERSION', import.meta.url), 'utf8').trim();

rmSync(config.socket, { force: true });
createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ greeting: config.greeting, version, deploymentId, path: req.url }));
}).listen(config.socket);
