// Layer 1 (with real files): where the dotfile is found (src/config/locate-config.ts).
// cosmiconfig's global search reads process.env.XDG_CONFIG_HOME itself, so it is pointed at a
// temp dir for this file and restored afterwards; the tests pass `env` explicitly as well.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/config-store.js';
import { locateConfig, userConfigPath } from '../../src/config/locate-config.js';
import { ConfigError } from '../../src/errors.js';
import { makeTempDir, removeTempDir, TempDirs } from '../helpers/temp.js';

let globalXdg: string;
const savedXdg = process.env.XDG_CONFIG_HOME;
const savedZenmlConfig = process.env.ZENML_CONFIG;

beforeAll(() => {
  globalXdg = makeTempDir('zenml-xdg-');
  process.env.XDG_CONFIG_HOME = globalXdg;
  delete process.env.ZENML_CONFIG;
});

afterAll(() => {
  if (savedXdg === undefined) delete process.env.XDG_CONFIG_HOME;
  else process.env.XDG_CONFIG_HOME = savedXdg;
  if (savedZenmlConfig !== undefined) process.env.ZENML_CONFIG = savedZenmlConfig;
  removeTempDir(globalXdg);
});

const temp = new TempDirs();
afterEach(() => temp.cleanup());

/** A temp tree `<root>/project/a/b/c`; returns the root, project and the nested dir. */
function tree() {
  const root = temp.dir('zenml-locate-');
  const project = path.join(root, 'project');
  const nested = path.join(project, 'a', 'b', 'c');
  mkdirSync(nested, { recursive: true });
  return { root, project, nested, env: { HOME: root, XDG_CONFIG_HOME: globalXdg } as NodeJS.ProcessEnv };
}

describe('locateConfig: search upward from a nested dir', () => {
  const files: Array<[string, string]> = [
    ['.zenmlrc', '{"activeStack": "default"}'],
    ['.zenmlrc (YAML)', 'activeStack: default\n'],
    ['.zenmlrc.json', '{"activeStack": "default"}'],
    ['.zenmlrc.yaml', 'activeStack: default\n'],
    ['.zenmlrc.yml', 'activeStack: default\n'],
    ['zenml.config.js', 'module.exports = { activeStack: "default" };\n'],
    ['zenml.config.mjs', 'export default { activeStack: "default" };\n'],
    ['package.json', JSON.stringify({ name: 'p', version: '1.0.0', zenml: { activeStack: 'default' } })],
  ];
  it.each(files)('finds %s', async (label, content) => {
    const name = label.split(' ')[0];
    const { project, nested, env } = tree();
    writeFileSync(path.join(project, name), content);
    const location = await locateConfig({ cwd: nested, env });
    expect(location).toEqual({ filepath: path.join(project, name), origin: 'search', exists: true });
  });

  it('the nearest dotfile wins', async () => {
    const { project, nested, env } = tree();
    writeFileSync(path.join(project, '.zenmlrc.json'), '{}');
    writeFileSync(path.join(project, 'a', '.zenmlrc.yaml'), 'activeStack: default\n');
    expect((await locateConfig({ cwd: nested, env })).filepath).toBe(path.join(project, 'a', '.zenmlrc.yaml'));
    expect((await locateConfig({ cwd: project, env })).filepath).toBe(path.join(project, '.zenmlrc.json'));
  });

  it('skips a package.json without a zenml key and keeps searching upward', async () => {
    const { project, nested, env } = tree();
    writeFileSync(path.join(project, '.zenmlrc.json'), '{"activeStack": "default"}');
    writeFileSync(path.join(project, 'a', 'package.json'), JSON.stringify({ name: 'inner', version: '1.0.0' }));
    expect((await locateConfig({ cwd: nested, env })).filepath).toBe(path.join(project, '.zenmlrc.json'));
  });

  it('finds a dotfile in the cwd itself', async () => {
    const { project, env } = tree();
    writeFileSync(path.join(project, '.zenmlrc.json'), '{"version": 1}');
    expect(await locateConfig({ cwd: project, env })).toMatchObject({ filepath: path.join(project, '.zenmlrc.json'), origin: 'search' });
  });
});

describe('locateConfig: explicit paths win', () => {
  it('--config wins over ZENML_CONFIG and over a dotfile found by searching', async () => {
    const { root, project, nested, env } = tree();
    writeFileSync(path.join(project, '.zenmlrc.json'), '{}');
    const flag = path.join(root, 'flag.json');
    writeFileSync(flag, '{}');
    const location = await locateConfig({ cwd: nested, configPath: flag, env: { ...env, ZENML_CONFIG: path.join(root, 'env.json') } });
    expect(location).toEqual({ filepath: flag, origin: 'flag', exists: true });
  });

  it('--config is resolved against the cwd and may not exist yet', async () => {
    const { nested, env } = tree();
    const location = await locateConfig({ cwd: nested, configPath: 'sub/zenml.json', env });
    expect(location).toEqual({ filepath: path.join(nested, 'sub', 'zenml.json'), origin: 'flag', exists: false });
  });

  it('ZENML_CONFIG wins over a dotfile found by searching', async () => {
    const { root, project, nested, env } = tree();
    writeFileSync(path.join(project, '.zenmlrc.json'), '{}');
    const envFile = path.join(root, 'env.yaml');
    writeFileSync(envFile, 'version: 1\n');
    const location = await locateConfig({ cwd: nested, env: { ...env, ZENML_CONFIG: envFile } });
    expect(location).toEqual({ filepath: envFile, origin: 'env', exists: true });
  });

  it('a relative ZENML_CONFIG is resolved against the cwd', async () => {
    const { nested, env } = tree();
    const location = await locateConfig({ cwd: nested, env: { ...env, ZENML_CONFIG: '../cfg.json' } });
    expect(location).toEqual({ filepath: path.join(nested, '..', 'cfg.json'), origin: 'env', exists: false });
  });
});

describe('locateConfig: no project dotfile', () => {
  it('falls back to $XDG_CONFIG_HOME/zenml/config.json (not created)', async () => {
    const { nested, env } = tree();
    const location = await locateConfig({ cwd: nested, env });
    expect(location).toEqual({ filepath: path.join(globalXdg, 'zenml', 'config.json'), origin: 'user', exists: false });
  });

  it('uses the user-level file when it exists', async () => {
    const { nested, env } = tree();
    const userFile = path.join(globalXdg, 'zenml', 'config.json');
    mkdirSync(path.dirname(userFile), { recursive: true });
    writeFileSync(userFile, '{"version": 1}');
    try {
      const location = await locateConfig({ cwd: nested, env });
      expect(location.filepath).toBe(userFile);
      expect(location.exists).toBe(true);
    } finally {
      removeTempDir(path.join(globalXdg, 'zenml'));
    }
  });

  it.each<[string, NodeJS.ProcessEnv, string]>([
    ['XDG_CONFIG_HOME', { HOME: '/home/u', XDG_CONFIG_HOME: '/xdg' }, '/xdg/zenml/config.json'],
    ['HOME without XDG_CONFIG_HOME', { HOME: '/home/u' }, '/home/u/.config/zenml/config.json'],
    ['empty XDG_CONFIG_HOME', { HOME: '/home/u', XDG_CONFIG_HOME: '' }, '/home/u/.config/zenml/config.json'],
  ])('userConfigPath with %s', (_name, env, expected) => {
    expect(userConfigPath(env)).toBe(expected);
  });
});

describe('a malformed dotfile found by searching', () => {
  it.each([
    ['.zenmlrc.json', '{\n  "modelDeployers": {\n'],
    ['.zenmlrc.yaml', 'stacks:\n  s1: [\n'],
    ['.zenmlrc', '{ "a": '],
  ])('%s is reported as a ConfigError naming the file (exit 2), not a raw parser error', async (name, content) => {
    const { project, nested, env } = tree();
    const file = path.join(project, name);
    writeFileSync(file, content);
    const error = await loadConfig({ cwd: nested, env }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    expect((error as ConfigError).message).toContain(`${file}: `);
  });
});
