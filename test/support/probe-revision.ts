import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const HOOKS = ['BeforeBlockTraffic', 'AfterBlockTraffic', 'ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService', 'BeforeAllowTraffic', 'AfterAllowTraffic'];

/**
 * A revision whose every hook logs itself and fails when the marker file names its event, so one
 * revision can fail at any lifecycle event on demand (the previous-revision events included).
 */
export function writeProbeRevision(dir: string, app: string, marker: string, extra = '', files: Record<string, string> = {}): void {
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  mkdirSync(join(dir, 'app'), { recursive: true });
  writeFileSync(join(dir, 'app', 'index.html'), 'probe');
  for (const [file, body] of Object.entries(files)) writeFileSync(join(dir, 'app', file), body);
  writeFileSync(
    join(dir, 'appspec.yml'),
    `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /srv/${app}\n${extra}hooks:\n${HOOKS.map((e) => `  ${e}:\n    - location: scripts/hook.sh\n      timeout: 30\n`).join('')}`,
  );
  writeFileSync(
    join(dir, 'scripts', 'hook.sh'),
    `#!/bin/sh\nif [ "$(cat ${marker} 2>/dev/null)" = "$LIFECYCLE_EVENT" ]; then echo "injected failure at $LIFECYCLE_EVENT" >&2; exit 3; fi\nif [ "$LIFECYCLE_EVENT" = ApplicationStart ] && [ -f ${marker}.slow ]; then sleep "$(cat ${marker}.slow)"; fi\nmkdir -p /srv/${app}-state && echo "$DEPLOYMENT_ID $LIFECYCLE_EVENT" >> /srv/${app}-state/hooks.log\necho "ok $LIFECYCLE_EVENT"\n`,
  );
  chmodSync(join(dir, 'scripts', 'hook.sh'), 0o755);
}

