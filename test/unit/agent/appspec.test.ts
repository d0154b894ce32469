import { describe, expect, it } from 'vitest';
import { AppSpecError, parseAppSpec } from '../../../agent/appspec.js';

describe('agent/appspec', () => {
  it('parses files, hooks and file_exists_behavior with CodeDeploy defaults', () => {
    const spec = parseAppSpec(`version: 0.0
os: linux
files:
  - source: app
    destination: /srv/app
file_exists_behavior: OVERWRITE
hooks:
  BeforeInstall:
    - location: scripts/a.sh
    - location: scripts/b.sh
      timeout: 7200
      runas: deploy
  AfterInstall:
`);
    expect(spec.files).toEqual([{ source: 'app', destination: '/srv/app' }]);
    expect(spec.fileExistsBehavior).toBe('OVERWRITE');
    expect(spec.hooks.BeforeInstall).toEqual([
      { location: 'scripts/a.sh', timeout: 3600 },
      { location: 'scripts/b.sh', timeout: 7200, runas: 'deploy' },
    ]);
    // An empty hook is dropped, as the agent does.
    expect(spec.hooks).not.toHaveProperty('AfterInstall');
  });

  it('reads YAML 1.1: version 0 and 0.0 are numbers, timeouts like "300" follow to_i', () => {
    expect(parseAppSpec('version: 0\nos: linux').version).toBe(0);
    const spec = parseAppSpec('version: 0.0\nos: linux\nhooks:\n  ValidateService:\n    - location: v.sh\n      timeout: "300"');
    expect(spec.hooks.ValidateService?.[0]?.timeout).toBe(300);
  });

  it.each([
    ['empty file', '', /empty/],
    ['comment only', '# nothing\n', /empty/],
    ['quoted version', "version: '0.0'\nos: linux", /'version' must be 0\.0 .*"0\.0"/],
    ['missing os', 'version: 0.0', /'os' undefined/],
    ['windows', 'version: 0.0\nos: windows', /'os' "windows" is not supported/],
    ['bad file_exists_behavior', 'version: 0.0\nos: linux\nfile_exists_behavior: overwrite', /file_exists_behavior.*"overwrite"/],
    ['script without location', 'version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - timeout: 10', /hooks\.BeforeInstall\[0\] has no 'location'/],
    ['zero timeout', 'version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: a.sh\n      timeout: 0', /timeout must be a positive number.*0/],
    ['non-numeric timeout', 'version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: a.sh\n      timeout: soon', /timeout.*"soon"/],
    ['files entry without source', 'version: 0.0\nos: linux\nfiles:\n  - destination: /srv', /files\[0\] has a destination .* but no 'source'/],
    ['files entry without destination', 'version: 0.0\nos: linux\nfiles:\n  - source: app', /files\[0\] has a source \("app"\) but no 'destination'/],
    ['invalid YAML', 'version: 0.0\nos: [linux', /not valid YAML/],
    ['aliases', 'a: &x [1]\nb: *x\nversion: 0.0\nos: linux', /not valid YAML/],
  ])('rejects %s with a message naming the problem', (_name, text, message) => {
    expect(() => parseAppSpec(text)).toThrow(AppSpecError);
    expect(() => parseAppSpec(text)).toThrow(message);
  });

  it('checks version before os before hooks before files', () => {
    expect(() => parseAppSpec('version: 1\nos: windows')).toThrow(/version/);
    expect(() => parseAppSpec('version: 0.0\nos: mac\nhooks: 3')).toThrow(/os/);
    expect(() => parseAppSpec('version: 0.0\nos: linux\nhooks: 3\nfiles: 3')).toThrow(/hooks/);
  });
});
