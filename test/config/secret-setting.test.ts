// Secret settings in-process: env references resolved (or a ConfigError naming key and variable),
// literal secrets masked for output, --auth-token-env turned into a reference, and the outside-folder check.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { secretEnvArgs } from '../../src/cli/settings-args.js';
import { maskSecrets, resolveSecret, secretSettingSchema } from '../../src/config/secret-setting.js';
import { ConfigError } from '../../src/errors.js';
import { isOutside } from '../../src/flavors/flavor-actions.js';
import { localSettingsSchema } from '../../src/integrations/local/local-settings.js';

describe('resolveSecret', () => {
  it.each([
    ['a literal', 'abc', {}, 'abc'],
    ['absent', undefined, {}, undefined],
    ['a reference to a set variable', { env: 'T' }, { T: 'xyz' }, 'xyz'],
  ])('%s', (_label, value, env, expected) => {
    expect(resolveSecret(value, 'k', env)).toBe(expected);
  });

  it.each([[{}], [{ T: '' }]])('an unset or empty variable is a ConfigError naming the key and the variable (%j)', (env) => {
    let error: unknown;
    try {
      resolveSecret({ env: 'T' }, 'f.json: modelDeployers.a.settings.authToken', env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    expect((error as ConfigError).message).toBe('f.json: modelDeployers.a.settings.authToken: environment variable T is not set (the setting reads the token from it)');
  });
});

describe('secretSettingSchema', () => {
  it.each([
    ['tok', true],
    [{ env: 'MY_TOKEN' }, true],
    ['', false],
    [{ env: 'has space' }, false],
    [{ env: 'T', extra: 1 }, false],
    [42, false],
  ])('%j valid: %s', (value, valid) => {
    expect(secretSettingSchema('d').safeParse(value).success).toBe(valid);
  });
});

describe('maskSecrets', () => {
  it('masks literal secrets at any depth, keeps references and everything else', () => {
    expect(maskSecrets({ authToken: 'abc', port: 1, nested: { apiKey: 'k', password: 'p' }, other: { env: 'X' }, ref: { authToken: { env: 'T' } } })).toEqual({
      authToken: '***',
      port: 1,
      nested: { apiKey: '***', password: '***' },
      other: { env: 'X' },
      ref: { authToken: { env: 'T' } },
    });
  });

  it("keeps `secret`, the name of a Kubernetes Secret (seldon, kserve), but masks e.g. clientSecret", () => {
    expect(maskSecrets({ secret: 's3-credentials', clientSecret: 'v' })).toEqual({ secret: 's3-credentials', clientSecret: '***' });
  });
});

describe('secretEnvArgs', () => {
  const arg = (key: string, raw: string) => ({ path: [key], raw, label: `--${key}` });
  it('turns --auth-token-env NAME into authToken: {env: NAME}, and leaves other options alone', () => {
    expect(secretEnvArgs([arg('authTokenEnv', 'MY'), arg('port', '1'), arg('fooEnv', 'x')], localSettingsSchema)).toEqual([
      { path: ['authToken'], raw: 'MY', label: '--authTokenEnv', value: { env: 'MY' } },
      arg('port', '1'),
      arg('fooEnv', 'x'),
    ]);
  });
});

describe('isOutside', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'zenml-outside-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(path.join(root, 'project', 'flavors'), { recursive: true });
  mkdirSync(path.join(root, 'elsewhere'));
  writeFileSync(path.join(root, 'elsewhere', 'f.ts'), '');
  symlinkSync(path.join(root, 'elsewhere', 'f.ts'), path.join(root, 'project', 'flavors', 'link.ts'));
  it.each([
    ['project/flavors/f.ts', false],
    ['project/..flavor.ts', false],
    ['elsewhere/f.ts', true],
    ['project-other/f.ts', true],
    ['project/flavors/link.ts', true],
  ])('%s outside: %s', (file, outside) => {
    expect(isOutside(path.join(root, 'project'), path.join(root, file))).toBe(outside);
  });
});
