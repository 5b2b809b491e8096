// Layer 3: the dotfile as the binary finds, reads and writes it — malformed files, YAML and
// JavaScript projects, and many CLI processes writing one file at once.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { fixture, killRunningZenml, parseJson, relativeFixture, runZenml, writeDotfile } from '../helpers/cli.js';
import { TempDirs } from '../helpers/temp.js';

const temp = new TempDirs();
let dir: string;

beforeEach(() => {
  dir = temp.dir('zenml-dotfile-');
});
afterEach(() => {
  killRunningZenml();
  temp.cleanup();
});

const zenml = (...args: string[]) => runZenml(args, { cwd: dir });

describe('a malformed dotfile', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['bad JSON', '.zenmlrc.json', '{\n  "modelDeployers": {\n', /cannot parse JSON/],
    ['bad YAML', '.zenmlrc.yaml', 'stacks:\n  s1: [\n    modelDeployer: x\n', /cannot parse YAML/],
    ['a wrong type', '.zenmlrc.json', '{\n  "activeStack": 5\n}\n', /: activeStack: expected a string \(got 5\)/],
    ['a wrong nested type', '.zenmlrc.yaml', 'modelDeployers:\n  x:\n    flavor: 3\n', /: modelDeployers\.x\.flavor: expected a string \(got 3\)/],
    ['a wrong root', '.zenmlrc.json', '[]\n', /: \(root\): expected an object/],
  ];

  it.each(cases)('%s: every command exits 2 naming the file (and key path), and the file is unchanged', async (_label, name, content, message) => {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    for (const args of [
      ['stack', 'list'],
      ['model-deployer', 'list'],
      ['model-deployer', 'find'],
      ['model-deployer', 'register', 'r', '--flavor', 'local'],
      ['stack', 'register', 's', '-d', 'default'],
      ['model-deployer', 'flavor', 'register', fixture('record-flavor.mjs'), '--allow-outside'],
    ]) {
      const r = await zenml(...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toContain(`${file}: `);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
      expect(readFileSync(file, 'utf8')).toBe(content);
    }
    expect(readdirSync(dir)).toEqual([name]);
  });

  it.each(cases)('%s, named with --config: exit 2 naming the file, file unchanged', async (_label, name, content, message) => {
    const file = path.join(dir, 'conf', name);
    mkdirSync(path.dirname(file));
    writeFileSync(file, content);
    for (const args of [
      ['stack', 'list'],
      ['stack', 'register', 's', '-d', 'default'],
    ]) {
      const r = await zenml('--config', file, ...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toContain(`${file}: `);
      expect(r.stderr).toMatch(message);
      expect(readFileSync(file, 'utf8')).toBe(content);
    }
  });

  it('--json reports the problems as data', async () => {
    const file = writeDotfile(dir, { activeStack: 5, stacks: { s: { modelDeployer: '' } } });
    const r = await zenml('stack', 'list', '--json');
    expect(r.code).toBe(2);
    const { error } = parseJson(r);
    expect(error.code).toBe('CONFIG');
    expect(error.details.file).toBe(file);
    expect(error.details.problems).toEqual([
      expect.stringMatching(new RegExp(`^${file.replace(/[.]/g, '\\.')}: activeStack: `)),
      expect.stringMatching(new RegExp(`^${file.replace(/[.]/g, '\\.')}: stacks\\.s\\.modelDeployer: `)),
    ]);
    expect(r.stderr).toBe('');
  });

  it('unknown keys only warn (on stderr), and survive a write', async () => {
    const file = writeDotfile(dir, { version: 1, futureKey: { a: 1 } });
    const list = await zenml('stack', 'list', '--json');
    expect(list.code).toBe(0);
    expect(parseJson(list)).toHaveLength(1);
    expect(list.stderr).toContain(`warning: ${file}: (root): unknown key(s) futureKey`);
    expect((await zenml('stack', 'register', 's', '-d', 'default')).code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, futureKey: { a: 1 }, stacks: { s: { modelDeployer: 'default' } } });
  });
});

describe('the whole dotfile is validated on every read', () => {
  it('list, stack list and describe of an unrelated component exit 2, reporting every problem one line each', async () => {
    const file = writeDotfile(dir, {
      version: 1,
      activeStack: 'prodd',
      stacks: { prod: { modelDeployer: 'gone' } },
      modelDeployers: { a: { flavor: 'local', settings: { port: 'abc', workers: -1 } }, b: { flavor: 'nope' }, ok: { flavor: 'local' } },
    });
    const before = readFileSync(file, 'utf8');
    const expected = [
      `${file}: stacks.prod.modelDeployer: expected a model deployer of this file (one of: default, a, b, ok) (got "gone")`,
      `${file}: activeStack: expected a stack of this file (one of: default, prod) (got "prodd"); did you mean prod?`,
      `${file}: modelDeployers.b.flavor: expected a built-in or registered flavor (one of: local, mlflow, seldon, kserve) (got "nope")`,
      `${file}: modelDeployers.a.settings.port: expected a number (got "abc")`,
      `${file}: modelDeployers.a.settings.workers: Too small: expected number to be >=1 (got -1)`,
    ];
    for (const args of [['model-deployer', 'list'], ['stack', 'list'], ['model-deployer', 'describe', 'ok'], ['model-deployer', 'flavor', 'list']]) {
      const r = await zenml(...args);
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(r.stderr.split('\n').filter((l) => l.startsWith(`${file}: `))).toEqual(expected);
      const json = await zenml(...args, '--json');
      expect(json.code).toBe(2);
      expect(parseJson(json).error.details.problems).toEqual(expected);
    }
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('an unknown setting key in the file only warns, with a did-you-mean', async () => {
    const file = writeDotfile(dir, { version: 1, modelDeployers: { a: { flavor: 'local', settings: { wrokers: 2 } } } });
    const r = await zenml('model-deployer', 'list');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\s+a\s+local\s/m);
    expect(r.stderr).toBe(`warning: ${file}: modelDeployers.a.settings.wrokers: unknown setting of flavor 'local'; did you mean workers?\n`);
  });
});

describe('a YAML project', () => {
  it('is found from a nested dir and edited in YAML, paths relative to the dotfile', async () => {
    const file = path.join(dir, '.zenmlrc.yaml');
    writeFileSync(file, 'version: 1\nactiveStack: default\n');
    const nested = path.join(dir, 'src', 'deep');
    mkdirSync(nested, { recursive: true });
    const run = (...args: string[]) => runZenml(args, { cwd: nested, home: dir });

    expect((await run('model-deployer', 'flavor', 'register', fixture('record-flavor.mjs'), '--allow-outside')).code).toBe(0);
    expect((await run('model-deployer', 'register', 'j', '--flavor', 'record-js', '--base-url', 'http://y')).code).toBe(0);
    expect((await run('stack', 'register', 's', '-d', 'j', '--set')).code).toBe(0);

    const text = readFileSync(file, 'utf8');
    expect(() => JSON.parse(text)).toThrow();
    expect(parseYaml(text)).toEqual({
      version: 1,
      activeStack: 's',
      flavors: { 'record-js': { source: relativeFixture(dir, 'record-flavor.mjs'), description: 'test flavor (JavaScript)' } },
      modelDeployers: { j: { flavor: 'record-js', settings: { baseUrl: 'http://y' } } },
      stacks: { s: { modelDeployer: 'j' } },
    });
    expect(readdirSync(dir).sort()).toEqual(['.zenmlrc.yaml', 'src']);
    // It deploys, and the deployer's state lives next to the dotfile, not in the cwd.
    const deployed = await run('model-deployer', 'deploy', '--model-uri', '/m/a.onnx', '--json');
    expect(parseJson(deployed)).toMatchObject({ deployer: 'j', predictionUrl: 'http://y/invocations' });
    expect(readdirSync(path.join(dir, '.zenml', 'deployers', 'j', 'records'))).toEqual([`${parseJson(deployed).uuid}.json`]);
  });
});

describe('a commented YAML dotfile', () => {
  const ORIGINAL = [
    '# Project deployers: keep this comment',
    'version: 1',
    'activeStack: default # the stack we use',
    '',
    'modelDeployers:',
    '  # the fast one',
    '  fast:',
    '    flavor: local',
    '    settings:',
    '      port: 8080 # fixed port',
    '      workers: 2 # two of them',
    'stacks:',
    '  prod:',
    '    modelDeployer: fast # production',
    '',
  ].join('\n');

  it('keeps every comment, blank line and key order through register, update and stack set', async () => {
    const file = path.join(dir, '.zenmlrc.yaml');
    writeFileSync(file, ORIGINAL);
    for (const args of [
      ['model-deployer', 'register', 'other', '--flavor', 'local', '--workers', '3'],
      ['model-deployer', 'update', 'fast', '--workers', '4'],
      ['stack', 'set', 'prod'],
      ['stack', 'register', 's2', '-d', 'other'],
    ]) {
      const r = await zenml(...args);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
    }
    expect(readFileSync(file, 'utf8')).toBe(
      [
        '# Project deployers: keep this comment',
        'version: 1',
        'activeStack: prod # the stack we use',
        '',
        'modelDeployers:',
        '  # the fast one',
        '  fast:',
        '    flavor: local',
        '    settings:',
        '      port: 8080 # fixed port',
        '      workers: 4 # two of them',
        '  other:',
        '    flavor: local',
        '    settings:',
        '      workers: 3',
        'stacks:',
        '  prod:',
        '    modelDeployer: fast # production',
        '  s2:',
        '    modelDeployer: other',
        '',
      ].join('\n'),
    );
  });
});

describe('every documented dotfile form is found from a nested dir, read, and (for code) never written', () => {
  const STACKS = "{ stacks: { found: { modelDeployer: 'default' } } }";
  const TS = `interface Dotfile { stacks: Record<string, { modelDeployer: string }> }\nconst config: Dotfile = ${STACKS};\nexport default config;\n`;
  const forms: Array<[string, string, boolean]> = [
    ['.zenmlrc.cjs', `module.exports = ${STACKS};\n`, false],
    ['.zenmlrc.mjs', `export default ${STACKS};\n`, false],
    ['.zenmlrc.js', `module.exports = ${STACKS};\n`, false],
    ['.zenmlrc.ts', TS, false],
    ['zenml.config.ts', TS, false],
    ['zenml.config.cjs', `module.exports = ${STACKS};\n`, false],
    ['.config/zenmlrc', '{"stacks": {"found": {"modelDeployer": "default"}}}\n', true],
    ['.config/zenmlrc.json', '{"stacks": {"found": {"modelDeployer": "default"}}}\n', true],
    ['.config/zenmlrc.yaml', 'stacks:\n  found:\n    modelDeployer: default\n', true],
    ['.config/zenmlrc.mjs', `export default ${STACKS};\n`, false],
    ['.config/zenmlrc.ts', TS, false],
  ];
  it.each(forms)('%s', async (name, content, writable) => {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    // A package.json without "type": the .ts and .js forms must load all the same.
    writeFileSync(path.join(dir, 'package.json'), '{"name": "p", "version": "1.0.0"}\n');
    const nested = path.join(dir, 'src', 'deep');
    mkdirSync(nested, { recursive: true });
    const run = (...args: string[]) => runZenml(args, { cwd: nested, home: dir });
    const list = await run('stack', 'list', '-q');
    expect({ code: list.code, stdout: list.stdout, stderr: list.stderr }).toEqual({ code: 0, stdout: 'default\nfound\n', stderr: '' });
    const describe = await run('model-deployer', 'describe', '--json');
    expect(describe.code).toBe(0);
    const write = await run('stack', 'register', 'more', '-d', 'default');
    if (writable) {
      expect(write.code).toBe(0);
      expect((await run('stack', 'list', '-q')).stdout).toBe('default\nfound\nmore\n');
    } else {
      expect(write.code).toBe(2);
      expect(write.stderr).toContain(`${file}: cannot write to a JavaScript config file`);
      expect(readFileSync(file, 'utf8')).toBe(content);
    }
  });
});

describe('a package.json project', () => {
  it('is edited under the "zenml" key, keeping the rest of package.json', async () => {
    const pkg = { name: 'app', version: '1.0.0', private: true, scripts: { start: 'node .' }, zenml: { version: 1 } };
    const file = path.join(dir, 'package.json');
    writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
    expect((await zenml('stack', 'register', 's', '-d', 'default')).code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ ...pkg, zenml: { version: 1, stacks: { s: { modelDeployer: 'default' } } } });
  });
});

describe('a zenml.config.js project', () => {
  it('is read, but writing through it is refused with exit 2 and the file left byte-identical', async () => {
    const file = path.join(dir, 'zenml.config.js');
    const content = `module.exports = {\n  version: 1,\n  stacks: { js: { modelDeployer: 'default' } },\n};\n`;
    writeFileSync(file, content);
    const list = await zenml('stack', 'list', '-q');
    expect(list.code).toBe(0);
    expect(list.stdout).toBe('default\njs\n');
    for (const args of [
      ['stack', 'register', 's', '-d', 'default'],
      ['stack', 'set', 'js'],
      ['model-deployer', 'register', 'r', '--flavor', 'local'],
      ['model-deployer', 'flavor', 'register', fixture('record-flavor.mjs'), '--allow-outside'],
    ]) {
      const r = await zenml(...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toContain(`${file}: cannot write to a JavaScript config file`);
      expect(r.stderr).toContain('--config');
      expect(readFileSync(file, 'utf8')).toBe(content);
    }
    expect(readdirSync(dir)).toEqual(['zenml.config.js']);
  });
});

describe('concurrent writers', () => {
  it('50 `model-deployer register` processes at once all succeed and leave all 50 components', async () => {
    const file = writeDotfile(dir, { version: 1, flavors: { 'record-js': { source: relativeFixture(dir, 'record-flavor.mjs') } } });
    const count = 50;
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        runZenml(['model-deployer', 'register', `c${i}`, '--flavor', 'record-js', '-c', `base-url=http://h/${i}`], { cwd: dir, timeoutMs: 170_000 }),
      ),
    );
    const failures = results.map((r, i) => ({ i, ...r })).filter((r) => r.code !== 0);
    expect(failures).toEqual([]);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    const names = Object.keys(written.modelDeployers);
    expect(names).toHaveLength(count);
    for (let i = 0; i < count; i += 1) {
      expect(written.modelDeployers[`c${i}`]).toEqual({ flavor: 'record-js', settings: { baseUrl: `http://h/${i}` } });
    }
    expect(written.flavors['record-js']).toBeDefined();
    // No lock directory or temp files left behind.
    expect(readdirSync(dir)).toEqual(['.zenmlrc.json']);
  }, 180_000);
});
