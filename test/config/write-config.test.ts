// Layer 2 (real files in temp dirs): writing the dotfile back (src/config/write-config.ts and
// editConfig in src/config/config-store.ts). A file keeps its format and every key a command
// does not own; a file that cannot or must not be written is left byte-identical.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { jest } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { registerComponent } from '../../src/config/components.js';
import { editConfig, loadConfig } from '../../src/config/config-store.js';
import { updateDotfile } from '../../src/config/write-config.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import { TempDirs } from '../helpers/temp.js';

const temp = new TempDirs();
afterEach(() => temp.cleanup());

function write(dir: string, name: string, content: string): string {
  const filepath = path.join(dir, name);
  writeFileSync(filepath, content);
  return filepath;
}

/** The dir holds exactly these names: no `.lock` dir, no write-file-atomic temp files. */
function expectOnly(dir: string, names: string[]): void {
  expect(readdirSync(dir).sort()).toEqual([...names].sort());
}


describe('the file keeps its format', () => {
  it('JSON stays JSON (2-space indent, trailing newline) and keeps unrelated keys', async () => {
    const dir = temp.dir();
    const file = write(dir, '.zenmlrc.json', JSON.stringify({ $schema: './s.json', version: 1, stacks: { s: { modelDeployer: 'default' } } }));
    await registerComponent(file, 'r1', 'local', { host: '127.0.0.2' });
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "modelDeployers": {\n');
    expect(JSON.parse(text)).toEqual({
      $schema: './s.json',
      version: 1,
      stacks: { s: { modelDeployer: 'default' } },
      modelDeployers: { r1: { flavor: 'local', settings: { host: '127.0.0.2' } } },
    });
    expectOnly(dir, ['.zenmlrc.json']);
  });

  it.each([['.zenmlrc.yaml'], ['.zenmlrc.yml'], ['.zenmlrc']])('YAML stays YAML (%s)', async (name) => {
    const dir = temp.dir();
    const file = write(dir, name, 'version: 1\nactiveStack: default\nstacks:\n  s:\n    modelDeployer: default\n');
    await registerComponent(file, 'r1', 'local', { workers: 2 });
    const text = readFileSync(file, 'utf8');
    expect(text.trimStart().startsWith('{')).toBe(false);
    expect(() => JSON.parse(text)).toThrow();
    expect(parseYaml(text)).toEqual({
      version: 1,
      activeStack: 'default',
      stacks: { s: { modelDeployer: 'default' } },
      modelDeployers: { r1: { flavor: 'local', settings: { workers: 2 } } },
    });
    expectOnly(dir, [name]);
  });

  it('an extension-less .zenmlrc holding JSON stays JSON', async () => {
    const dir = temp.dir();
    const file = write(dir, '.zenmlrc', '{"version": 1}');
    await registerComponent(file, 'r1', 'local', {});
    const text = readFileSync(file, 'utf8');
    expect(JSON.parse(text)).toEqual({ version: 1, modelDeployers: { r1: { flavor: 'local', settings: {} } } });
  });

  it('package.json keeps its other keys and gets the config under "zenml"', async () => {
    const dir = temp.dir();
    const pkg = { name: 'my-app', version: '2.0.0', scripts: { test: 'jest' }, dependencies: { a: '^1.0.0' }, zenml: { activeStack: 'default' } };
    const file = write(dir, 'package.json', JSON.stringify(pkg, null, 2));
    await registerComponent(file, 'r1', 'local', {});
    const after = JSON.parse(readFileSync(file, 'utf8'));
    expect(after).toEqual({ ...pkg, zenml: { activeStack: 'default', version: 1, modelDeployers: { r1: { flavor: 'local', settings: {} } } } });
    expect(Object.keys(after).slice(0, 4)).toEqual(['name', 'version', 'scripts', 'dependencies']);
    expectOnly(dir, ['package.json']);
  });

  it('a package.json without a zenml key gets one and keeps the rest', async () => {
    const dir = temp.dir();
    const file = write(dir, 'package.json', JSON.stringify({ name: 'x', private: true }));
    await registerComponent(file, 'r1', 'local', {});
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      name: 'x',
      private: true,
      zenml: { version: 1, modelDeployers: { r1: { flavor: 'local', settings: {} } } },
    });
  });

  it('a missing file is created as JSON, with its folder', async () => {
    const dir = temp.dir();
    const file = path.join(dir, 'nested', 'zenml', 'config.json');
    await registerComponent(file, 'r1', 'local', {});
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, modelDeployers: { r1: { flavor: 'local', settings: {} } } });
    expectOnly(path.dirname(file), ['config.json']);
  });

  it('unknown keys survive a write', async () => {
    const dir = temp.dir();
    const file = write(dir, '.zenmlrc.json', JSON.stringify({ futureKey: { a: 1 }, modelDeployers: { x: { flavor: 'local', colour: 'red' } } }));
    await registerComponent(file, 'r1', 'local', {});
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ futureKey: { a: 1 }, modelDeployers: { x: { colour: 'red' }, r1: {} } });
  });
});

describe('files that must not be written are left byte-identical', () => {
  it.each([
    ['zenml.config.js', 'module.exports = { activeStack: "default" };\n'],
    ['zenml.config.mjs', 'export default { activeStack: "default" };\n'],
  ])('a JavaScript config (%s) is refused with a clear message', async (name, content) => {
    const dir = temp.dir();
    const file = write(dir, name, content);
    const edit = jest.fn();
    const attempt = editConfig(file, edit);
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(editConfig(file, edit)).rejects.toThrow(`${file}: cannot write to a JavaScript config file`);
    expect(edit).not.toHaveBeenCalled();
    expect(readFileSync(file, 'utf8')).toBe(content);
    expectOnly(dir, [name]);
    // Reading it still works.
    expect((await loadConfig({ cwd: dir, configPath: file, env: {} })).resolved.activeStack).toBe('default');
  });

  it.each([
    ['invalid values', '.zenmlrc.json', '{\n  "activeStack": 5,\n  "modelDeployers": {}\n}\n', /activeStack/],
    ['bad JSON', '.zenmlrc.json', '{ "modelDeployers": ', /cannot parse JSON/],
    ['bad YAML', '.zenmlrc.yaml', 'stacks: [\n  a: b\n', /cannot parse YAML/],
    ['a non-object root', '.zenmlrc.json', '[1, 2]\n', /\(root\)/],
  ])('an existing file with %s is never overwritten', async (_label, name, content, message) => {
    const dir = temp.dir();
    const file = write(dir, name, content);
    const edit = jest.fn();
    const attempt = registerComponent(file, 'r1', 'local', {});
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(registerComponent(file, 'r1', 'local', {})).rejects.toThrow(message);
    await expect(editConfig(file, edit)).rejects.toThrow(file);
    expect(edit).not.toHaveBeenCalled();
    expect(readFileSync(file, 'utf8')).toBe(content);
    expectOnly(dir, [name]);
  });

  it.each<[string, (raw: Record<string, unknown>, section: (k: 'stacks' | 'modelDeployers' | 'flavors') => Record<string, unknown>) => void, RegExp]>([
    ['a wrong type', (raw) => (raw.activeStack = 7), /activeStack/],
    ['a bad name', (_raw, section) => (section('stacks')['bad name!'] = { modelDeployer: 'default' }), /stacks\.bad name!/],
    ['a missing required key', (_raw, section) => (section('flavors').f = {}), /flavors\.f\.source/],
  ])('an edit that would make the file invalid (%s) is refused and the file unchanged', async (_label, mutate, message) => {
    const dir = temp.dir();
    const content = '{\n  "version": 1,\n  "activeStack": "default"\n}\n';
    const file = write(dir, '.zenmlrc.json', content);
    const attempt = editConfig(file, ({ raw, section }) => mutate(raw, section));
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(editConfig(file, ({ raw, section }) => mutate(raw, section))).rejects.toThrow(
      new RegExp(`refusing to write ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the change would make it invalid: [\\s\\S]*${message.source}`),
    );
    expect(readFileSync(file, 'utf8')).toBe(content);
    expectOnly(dir, ['.zenmlrc.json']);
  });

  it('an edit that throws writes nothing', async () => {
    const dir = temp.dir();
    const content = 'version: 1\n';
    const file = write(dir, '.zenmlrc.yaml', content);
    await expect(
      updateDotfile(file, (f) => {
        f.raw.activeStack = 'changed';
        throw new UsageError('no');
      }),
    ).rejects.toThrow('no');
    expect(readFileSync(file, 'utf8')).toBe(content);
    expectOnly(dir, ['.zenmlrc.yaml']);
  });

  it('a refused duplicate leaves the file unchanged', async () => {
    const dir = temp.dir();
    const file = write(dir, '.zenmlrc.json', '{"modelDeployers": {"r1": {"flavor": "local"}}}');
    await expect(registerComponent(file, 'r1', 'mlflow', {})).rejects.toThrow("a model deployer named 'r1' already exists");
    expect(readFileSync(file, 'utf8')).toBe('{"modelDeployers": {"r1": {"flavor": "local"}}}');
  });
});

describe('concurrent writers', () => {
  it('20 edits at once in one process all land, and no temp or lock files remain', async () => {
    const dir = temp.dir();
    const file = write(dir, '.zenmlrc.json', '{}');
    await Promise.all(Array.from({ length: 20 }, (_, i) => registerComponent(file, `c${i}`, 'local', { port: i })));
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(written.modelDeployers).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `c${i}`).sort());
    expect(written.modelDeployers.c7).toEqual({ flavor: 'local', settings: { port: 7 } });
    expectOnly(dir, ['.zenmlrc.json']);
  });
});
