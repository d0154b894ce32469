/**
 * The CodeDeploy agent's own AppSpec cases (../shared/reference/appspec-vectors.md §2): every vector
 * is accepted or rejected as the agent does, and a rejection names the field and the bad value.
 */
import { describe, expect, it } from 'vitest';
import { aclEntryText, parseAclEntry, parseSelinuxRange, selinuxRangeText } from '../../../agent/appspec-permissions.js';
import { AppSpecError, parseAppSpec } from '../../../agent/appspec.js';

const base = 'version: 0.0\nos: linux\n';
const reject = (text: string, message: RegExp): void => {
  expect(() => parseAppSpec(text)).toThrow(AppSpecError);
  expect(() => parseAppSpec(text)).toThrow(message);
};

describe('AppSpec vectors: empty, version, os, top level (V01–V14)', () => {
  it.each([
    ['V01', ''],
    ['V02', ' \n'],
    ['V03', '# nothing\n'],
  ])('%s: an empty document is rejected', (_v, text) => reject(text, /is empty.*'version'.*'os'/));

  it.each([
    ['V04 missing', 'os: linux', /'version' must be 0\.0.*got undefined/],
    ['V05 invalid', 'version: invalid\nos: linux', /'version'.*"invalid"/],
    ['V06 quoted', "version: '0.0'\nos: linux", /'version'.*"0\.0"/],
    ['V06 double-quoted', 'version: "0.0"\nos: linux', /'version'.*"0\.0"/],
    ['V06 1.0', 'version: 1.0\nos: linux', /'version'.*got 1/],
    ['V08 missing os', 'version: 0.0', /'os' undefined/],
    ['V09 unsupported', 'version: 0.0\nos: unsupported', /'os' "unsupported"/],
    ['V09 Linux (case)', 'version: 0.0\nos: Linux', /'os' "Linux"/],
    ['V09 windows on a Linux agent', 'version: 0.0\nos: windows', /'os' "windows"/],
  ])('%s is rejected naming the value', (_v, text, message) => reject(text, message));

  it.each([
    ['V07 integer 0', 'version: 0\nos: linux'],
    ['V07 0.00', 'version: 0.00\nos: linux'],
    ['V09 quoted os', 'version: 0.0\nos: "linux"'],
  ])('%s is accepted', (_v, text) => expect(parseAppSpec(text).version).toBe(0));

  it('V10/V11: a minimal spec (unknown keys ignored) has empty sections', () => {
    for (const text of [base, `${base}resources: []\nfoo: bar\n`]) {
      expect(parseAppSpec(text)).toEqual({ version: 0, os: 'linux', hooks: {}, files: [], permissions: [] });
    }
  });

  it('V12: the last duplicate key wins', () => {
    const spec = parseAppSpec(`${base}hooks:\n  AfterInstall:\n    - location: a.sh\n  AfterInstall:\n    - location: b.sh\n`);
    expect(spec.hooks.AfterInstall?.map((s) => s.location)).toEqual(['b.sh']);
  });

  it('V13: JSON text and CRLF line endings are accepted; a byte-order mark is ignored', () => {
    const json = parseAppSpec('{"version": 0.0, "os": "linux", "files": [{"source": "/", "destination": "/opt/x"}]}');
    expect(json.files).toEqual([{ source: '/', destination: '/opt/x' }]);
    expect(parseAppSpec('version: 0.0\r\nos: linux\r\n').os).toBe('linux');
    expect(parseAppSpec('\uFEFFversion: 0.0\nos: linux\n').os).toBe('linux');
  });

  it.each([
    ['misindented key', 'version: 0.0\nos: linux\nhooks:\n  A:\n   - location: x\n  - location: y\n'],
    ['tab indent', 'version: 0.0\nos: linux\nhooks:\n\tA: []\n'],
    ['alias', 'a: &x 1\nversion: 0.0\nos: linux\nb: *x\n'],
  ])('V14 %s is rejected as invalid YAML', (_v, text) => reject(text, /not valid YAML/));

  it('V14: a list at the root is rejected', () => reject('- version: 0.0\n', /must be a YAML mapping/));
});

describe('AppSpec vectors: file_exists_behavior (V15–V17)', () => {
  it('V15/V16: invalid and lower-case values are rejected', () => {
    reject(`version: 0.0\nfile_exists_behavior: invalid\nos: linux\n`, /file_exists_behavior.*"invalid"/);
    reject(`${base}file_exists_behavior: overwrite\n`, /file_exists_behavior.*"overwrite"/);
  });
  it('V17: OVERWRITE is accepted', () => expect(parseAppSpec(`${base}file_exists_behavior: OVERWRITE\n`).fileExistsBehavior).toBe('OVERWRITE'));
  it('checks file_exists_behavior last, after permissions', () => {
    reject(`${base}file_exists_behavior: nope\npermissions:\n  - pattern: x\n`, /permissions\[0\] has no 'object'/);
  });
});

describe('AppSpec vectors: hooks (V18–V28)', () => {
  const hook = (body: string): string => `${base}hooks:\n${body}`;

  it('V18–V22: scripts keep order, runas, sudo, and the 3600 s default timeout; unknown events are allowed', () => {
    expect(parseAppSpec(hook('  test_hook:\n    - location: test_location_1\n      runas: foo\n      timeout: 30\n')).hooks).toEqual({
      test_hook: [{ location: 'test_location_1', runas: 'foo', timeout: 30 }],
    });
    const v19 = parseAppSpec(hook('  test_hook:\n    - location: test_location_1\n      sudo: true\n      runas: foo\n      timeout: 30\n'));
    expect(v19.hooks.test_hook).toEqual([{ location: 'test_location_1', sudo: true, runas: 'foo', timeout: 30 }]);
    const v20 = parseAppSpec(
      hook('  test_hook:\n    - location: test_location_1\n      runas: foo\n      timeout: 30\n    - location: test_location_2\n      runas: foo2\n      timeout: 30\n'),
    );
    expect(v20.hooks.test_hook?.map((s) => s.location)).toEqual(['test_location_1', 'test_location_2']);
    const v21 = parseAppSpec(hook('  test_hook:\n    - location: test_location\n    - location: test_location_lr\n      runas: foo3\n'));
    expect(v21.hooks.test_hook?.map((s) => s.runas)).toEqual([undefined, 'foo3']);
    const v22 = parseAppSpec(hook('  test_hook:\n    - location: test_location\n    - location: test_location_lt\n      timeout: 30\n'));
    expect(v22.hooks.test_hook?.map((s) => s.timeout)).toEqual([3600, 30]);
  });

  it('V23: a hook with no value is dropped; V27: an empty list is kept (a no-op)', () => {
    const v23 = parseAppSpec(hook('  empty_test_hook:\n  test_hook:\n    - location: test_location\n      timeout: 30\n'));
    expect(v23.hooks).toEqual({ test_hook: [{ location: 'test_location', timeout: 30 }] });
    expect(parseAppSpec(hook('  AfterInstall: []\n')).hooks).toEqual({ AfterInstall: [] });
  });

  it.each([
    ['V24 no location', '  test_hook:\n    - timeout: 30\n', /hooks\.test_hook\[0\] has no 'location'/],
    ['V24 empty location', '  test_hook:\n    - location: ""\n', /hooks\.test_hook\[0\] has no 'location'/],
    ['V24 null location', '  test_hook:\n    - location:\n', /hooks\.test_hook\[0\] has no 'location'/],
    ['V25 timeout foo', '  test_hook:\n    - location: x\n      timeout: foo\n', /hooks\.test_hook\[0\]\.timeout.*"foo"/],
    ['V25 timeout 0', '  test_hook:\n    - location: x\n      timeout: 0\n', /timeout.*got 0/],
    ['V25 timeout -5', '  test_hook:\n    - location: x\n      timeout: -5\n', /timeout.*got -5/],
    ['map instead of list', '  ApplicationStart:\n    location: start.sh\n', /hooks\.ApplicationStart must be a list/],
    ['bare string', '  ApplicationStart: start.sh\n', /hooks\.ApplicationStart must be a list.*"start\.sh"/],
  ])('%s is rejected', (_v, body, message) => reject(hook(body), message));

  it('V28: hooks as a list of maps is rejected', () => reject(hook('  - ApplicationStart:\n    - location: start.sh\n'), /'hooks' must be a mapping/));

  it('V26: location and runas are trimmed', () => {
    const spec = parseAppSpec(hook("  AfterInstall:\n    - location: '  scripts/a.sh  '\n      runas: ' ubuntu '\n"));
    expect(spec.hooks.AfterInstall).toEqual([{ location: 'scripts/a.sh', runas: 'ubuntu', timeout: 3600 }]);
  });

  it.each([
    ['"300"', 300],
    ['30.9', 30],
    ['30s', 30],
    ['7200', 7200],
    ['1_000', 1000],
    ['0x10', 16],
  ])('timeout %s reads as %d seconds (Ruby to_i, YAML 1.1, no upper cap)', (raw, seconds) => {
    expect(parseAppSpec(hook(`  A:\n    - location: x\n      timeout: ${raw}\n`)).hooks.A?.[0]?.timeout).toBe(seconds);
  });

  it('coerces scalars as the agent does: runas 1000 is "1000", sudo yes is true, location 123 is "123"', () => {
    const spec = parseAppSpec(hook('  A:\n    - location: 123\n      runas: 1000\n      sudo: yes\n'));
    expect(spec.hooks.A).toEqual([{ location: '123', runas: '1000', sudo: true, timeout: 3600 }]);
  });
});

describe('AppSpec vectors: files (V29–V32)', () => {
  it('V29/V30: mappings are kept in order; relative destinations parse (Install refuses them)', () => {
    const spec = parseAppSpec(`${base}files:\n  - source: test_source\n    destination: test_destination\n  - source: test_source_2\n    destination: test_destination_2\n`);
    expect(spec.files).toEqual([
      { source: 'test_source', destination: 'test_destination' },
      { source: 'test_source_2', destination: 'test_destination_2' },
    ]);
  });
  it('V31/V32: a missing source or destination is rejected', () => {
    reject(`${base}files:\n  - source: test_source\n`, /files\[0\] has a source \("test_source"\) but no 'destination'/);
    reject(`${base}files:\n  - source: test_source\n    destination:\n`, /files\[0\] has a source/);
    reject(`${base}files:\n  - destination: test_destination\n`, /files\[0\] has a destination \("test_destination"\) but no 'source'/);
  });
  it('empty source and destination parse; files as a map is rejected; null sections are empty', () => {
    expect(parseAppSpec(`${base}files:\n  - source: ""\n    destination: ""\n`).files).toHaveLength(1);
    reject(`${base}files:\n  source: a\n  destination: /b\n`, /'files' must be a list/);
    expect(parseAppSpec(`${base}files:\nhooks:\n`)).toMatchObject({ files: [], hooks: {} });
  });
});

describe('AppSpec vectors: permissions (V34–V42, §2.6–2.8)', () => {
  const perm = (body: string): string => `${base}permissions:\n${body}`;

  it('V34: an entry without object is rejected; V35/V36: objects are trimmed and the pattern defaults to **', () => {
    reject(perm('  - pattern: test\n'), /permissions\[0\] has no 'object'/);
    reject(perm("  - object: ''\n"), /permissions\[0\] has no 'object'/);
    const spec = parseAppSpec(perm("  - object: '/'\n  - object: ' test '\n  - object: more\n"));
    expect(spec.permissions.map((p) => [p.object, p.pattern, p.types])).toEqual([
      ['/', '**', ['file', 'directory']],
      ['test', '**', ['file', 'directory']],
      ['more', '**', ['file', 'directory']],
    ]);
  });

  it('V37–V40 parse (their checks belong to Install); V42: an unsupported type is rejected', () => {
    expect(parseAppSpec(perm("  - object: '/'\n    pattern: 'glob'\n")).permissions[0]?.pattern).toBe('glob');
    expect(parseAppSpec(perm("  - object: '/'\n    except:\n      - 'glob'\n")).permissions[0]?.except).toEqual(['glob']);
    expect(parseAppSpec(perm("  - object: '/'\n    pattern: 'glob'\n    type:\n      - directory\n")).permissions[0]?.types).toEqual(['directory']);
    expect(parseAppSpec(perm("  - object: '/'\n    acls:\n      - 'd:user:name:rwx'\n")).permissions[0]?.acls).toHaveLength(1);
    reject(perm('  - object: /x\n    type:\n      - symlink\n'), /permissions\[0\]\.type lists "symlink"/);
    reject(perm('  - object: /x\n    type: file\n'), /permissions\[0\]\.type must be a list/);
    reject(perm('  - object: /x\n    except: foo\n'), /permissions\[0\]\.except must be a list/);
  });

  it('V41: every field is read', () => {
    const spec = parseAppSpec(
      perm(`  - object: 'test'
    pattern: 'prefix*'
    except: ['*ReadMe', '*.tmp']
    type: ['file']
    owner: 'bob'
    group: 'dev'
    mode: 6763
    acls:
      - 'u:henry:7'
      - 'd:g:manager:rw'
    context:
      name: 'user_u'
      type: 'unconfined_t'
      range: 's3-s5:c0.c7,c13'
`),
    );
    expect(spec.permissions[0]).toEqual({
      object: 'test',
      pattern: 'prefix*',
      except: ['*ReadMe', '*.tmp'],
      types: ['file'],
      owner: 'bob',
      group: 'dev',
      mode: { text: '6763', bits: 0o6763 },
      acls: [
        { isDefault: false, type: 'user', name: 'henry', perms: 'rwx' },
        { isDefault: true, type: 'group', name: 'manager', perms: 'rw-' },
      ],
      context: { user: 'user_u', type: 'unconfined_t', range: { low: 3, high: 5, categories: [0, 1, 2, 3, 4, 5, 6, 7, 13] } },
    });
  });

  it('owner 1000 and the docs\' context key "user" are read', () => {
    const spec = parseAppSpec(perm('  - object: /x\n    owner: 1000\n    context:\n      user: unconfined_u\n      type: httpd_sys_content_t\n      range: s0\n'));
    expect(spec.permissions[0]).toMatchObject({ owner: '1000', context: { user: 'unconfined_u', type: 'httpd_sys_content_t', range: { low: 0, high: 0 } } });
  });

  describe('§2.6 mode', () => {
    const mode = (raw: string): unknown => parseAppSpec(perm(`  - object: 'test/'\n    mode: ${raw}\n`)).permissions[0]?.mode?.text;
    it.each([
      ['12', '012'],
      ['7777', '7777'],
      ['0000', '000'],
      ['777', '777'],
      ['0644', '420'], // YAML 1.1 octal: the agent chmods 0420
      ['"0644"', '0644'],
      ['"644"', '644'],
      ['0777', '511'],
      ['0070', '056'],
      ['0007', '007'],
      ['7', '007'],
      ['55', '055'],
      ['2000', '2000'],
    ])('mode %s is %s', (raw, text) => expect(mode(raw)).toBe(text));

    it.each([
      ['12345', /mode 12345 must be one to four octal digits/],
      ['12a', /mode "12a" contains "a"/],
      ['0755', /mode 493 contains "9".*quote modes/],
      ['0600', /mode 384 contains "8"/],
      ['0800', /contains "8"/],
      ['u+x', /mode "u\+x" contains "u"/],
      ['0o644', /mode "0o644" must be one to four octal digits/],
    ])('mode %s is rejected', (raw, message) => reject(perm(`  - object: 'test/'\n    mode: ${raw}\n`), message));
  });

  describe('§2.7 acls', () => {
    it.each(['7', 'd:u:bob:7:rwx', 'invalid:u:bob:7:rwx', 'd:invalid:bob:7:rwx', 'd:d:bob:7:rwx', 'mask:name:rwx', 'd:other:name:rwx', 'd:d:bob:7', 'x:u:bob:7'])(
      'ACE %s is not a valid ACL entry',
      (ace) => reject(perm(`  - object: 'test/'\n    acls:\n      - '${ace}'\n`), /acls entry .* is not a valid ACL entry/),
    );
    it.each([
      ['user:bob:rwxd', /"d" is not a permission/],
      ['u:name', /"n" is not a permission/],
      ['o::r--', /base entry.*use 'mode'/],
      ['u::7', /base entry/],
      ['g::7', /base entry/],
      ['o:7', /base entry/],
    ])('ACE %s is rejected', (ace, message) => reject(perm(`  - object: 'test/'\n    acls:\n      - '${ace}'\n`), message));

    it.each([
      ['m::r--', 'mask::r--'],
      ['g:group1:rw-', 'group:group1:rw-'],
      ['default:other::rwx', 'default:other::rwx'],
      ['d:u:bob:rwx', 'default:user:bob:rwx'],
      ['default:g:dev:rw', 'default:group:dev:rw-'],
      ['d:bob:rwx', 'default:user:bob:rwx'],
      ['default::rw', 'default:user::rw-'],
      ['m::7', 'mask::rwx'],
      ['mask::7', 'mask::rwx'],
      ['g:dev:7', 'group:dev:rwx'],
      ['u:bob:7', 'user:bob:rwx'],
      ['u:mask:7', 'user:mask:rwx'],
      ['u:other:7', 'user:other:rwx'],
      ['bob:0', 'user:bob:---'],
      ['m:7', 'mask::rwx'],
      ['mask:', 'mask::---'],
      ['u:mary:rw', 'user:mary:rw-'],
      ['d:u:bob:7', 'default:user:bob:rwx'],
      ['m:0', 'mask::---'],
    ])('ACE %s reads as %s', (ace, text) => expect(aclEntryText(parseAclEntry(ace, 'acls'))).toBe(text));
  });

  describe('§2.8 SELinux context', () => {
    it.each(['s3-s2:c0', 's3-:c0', ':c0', 's0:c2.', 's0:', 's', 's0-s-1', 'sd3', 'd3', 's0:c2.c1', 's0:c', 's0:c-1', 's0:c1024', 's0:cd3', 's0:d3', 's0:c0.c2,c1'])(
      'range %s is rejected',
      (range) => reject(perm(`  - object: 'test/'\n    context:\n      name: 'name'\n      type: 'type'\n      range: '${range}'\n`), /context\.range .* is not a valid SELinux range/),
    );
    it('a context without type is rejected', () => reject(perm("  - object: 'test/'\n    context:\n      name: 'name'\n"), /context must give an SELinux 'type'/));
    it('accepted ranges round-trip', () => {
      expect(parseSelinuxRange('s5', 'r')).toEqual({ low: 5, high: 5 });
      expect(parseSelinuxRange('s0:c0.c1,c15,c7.c9', 'r').categories).toEqual([0, 1, 7, 8, 9, 15]);
      for (const text of ['s3', 's3-s7:c5,c8.c10,c17']) expect(selinuxRangeText(parseSelinuxRange(text, 'r'))).toBe(text);
    });
  });
});
