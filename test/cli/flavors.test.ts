// Layer 3: `zenml model-deployer flavor …` through the built binary, in temp projects.
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fixture, killRunningZenml, lines, parseJson, readDotfile, runZenml, writeDotfile } from '../helpers/cli.js';
import { TempDirs } from '../helpers/temp.js';

/**
 * The built-in flavors' rows exactly as `flavor list --json` must print them, written out here rather
 * than read from the constant the CLI prints (a drifted constant would pass). A new built-in flavor
 * adds its row.
 */
const BUILTINS = [
  {
    name: 'local',
    type: 'model_deployer',
    integration: 'built-in',
    source: 'built-in',
    description: 'ONNX models served by the embedded model server in a background process (the default)',
  },
  {
    name: 'mlflow',
    type: 'model_deployer',
    integration: 'mlflow',
    source: 'built-in',
    description: 'MLflow models: onnx on the embedded model server, others with `mlflow models serve`, in background processes',
  },
  {
    name: 'seldon',
    type: 'model_deployer',
    integration: 'seldon',
    source: 'built-in',
    description: 'Seldon Core deployments on Kubernetes (SeldonDeployment custom resources)',
  },
  {
    name: 'kserve',
    type: 'model_deployer',
    integration: 'kserve',
    source: 'built-in',
    description: 'KServe InferenceServices on Kubernetes, with canary rollouts (promote, rollback)',
  },
];
const BUILTIN_NAMES = BUILTINS.map((f) => f.name);

const temp = new TempDirs();
let dir: string;

beforeEach(() => {
  dir = temp.dir('zenml-flavors-');
  // An empty project dotfile, so every edit lands here and not in the (temp) user config dir.
  writeDotfile(dir, { version: 1 });
});
afterEach(() => {
  killRunningZenml();
  temp.cleanup();
});

const zenml = (...args: string[]) => runZenml(args, { cwd: dir });
const dotfile = () => path.join(dir, '.zenmlrc.json');

describe('flavor list', () => {
  it('prints a table with the built-in flavors and their descriptions', async () => {
    const r = await runZenml(['model-deployer', 'flavor', 'list'], { cwd: dir, env: { COLUMNS: '200' } });
    expect(r.code).toBe(0);
    const [head, ...rows] = lines(r.stdout);
    expect(head.split(/\s{2,}/)).toEqual(['FLAVOR', 'TYPE', 'INTEGRATION', 'SOURCE', 'DESCRIPTION']);
    expect(rows.map((row) => row.split(/\s{2,}/))).toEqual(BUILTINS.map((f) => [f.name, f.type, f.integration, f.source, f.description]));
  });

  it('wraps the descriptions within 80 columns when stdout is not a terminal and COLUMNS is unset', async () => {
    const r = await runZenml(['model-deployer', 'flavor', 'list'], { cwd: dir, env: { COLUMNS: undefined } });
    expect(r.code).toBe(0);
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(r.stdout).toMatch(/^local {3}model_deployer {2}built-in {5}built-in {2}ONNX models served by the\n {47}embedded model server/m);
  });

  it('--json gives name/type/integration/source/description for built-in and custom flavors', async () => {
    expect((await zenml('model-deployer', 'flavor', 'register', fixture('record-flavor.mjs'), '--allow-outside')).code).toBe(0);
    const r = await zenml('model-deployer', 'flavor', 'list', '--json');
    expect(r.code).toBe(0);
    const flavors = parseJson<Array<Record<string, string>>>(r);
    expect(flavors).toHaveLength(BUILTINS.length + 1);
    for (const f of flavors) expect(Object.keys(f).sort()).toEqual(['description', 'integration', 'name', 'source', 'type']);
    expect(flavors.slice(0, -1)).toEqual(BUILTINS);
    expect(flavors[0]).toMatchObject({ name: 'local', type: 'model_deployer', integration: 'built-in', source: 'built-in' });
    expect(flavors[0].description).not.toBe('');
    const custom = flavors[flavors.length - 1];
    expect(custom).toMatchObject({ name: 'record-js', type: 'model_deployer', integration: 'custom', description: 'test flavor (JavaScript)' });
    expect(custom.source).toMatch(/record-flavor\.mjs$/);
    expect(r.stderr).toBe('');
    // One source: describe shows the same description as list.
    const described = parseJson(await zenml('model-deployer', 'flavor', 'describe', 'record-js', '--json'));
    expect(described.description).toBe(custom.description);
  });

  it('the built-in classes\' DESCRIPTION is what flavor list shows', async () => {
    const { LocalModelDeployer } = await import('../../src/integrations/local/index.js');
    const { MlflowModelDeployer } = await import('../../src/integrations/mlflow/index.js');
    const { SeldonModelDeployer } = await import('../../src/integrations/seldon/index.js');
    const { KserveModelDeployer } = await import('../../src/integrations/kserve/index.js');
    expect([LocalModelDeployer.DESCRIPTION, MlflowModelDeployer.DESCRIPTION, SeldonModelDeployer.DESCRIPTION, KserveModelDeployer.DESCRIPTION]).toEqual(BUILTINS.map((f) => f.description));
  });

  it('-q prints bare names', async () => {
    expect((await zenml('model-deployer', 'flavor', 'register', fixture('record-flavor.mjs'), '--allow-outside')).code).toBe(0);
    const r = await zenml('model-deployer', 'flavor', 'list', '-q');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${[...BUILTIN_NAMES, 'record-js'].join('\n')}\n`);
  });
});

describe('flavor register', () => {
  it.each([
    ['TypeScript', 'record-flavor.ts', 'record-ts'],
    ['JavaScript', 'record-flavor.mjs', 'record-js'],
  ])('registers the %s fixture, storing a path relative to the dotfile and its description', async (lang, file, name) => {
    const r = await zenml('model-deployer', 'flavor', 'register', fixture(file), '--allow-outside');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`registered flavor '${name}'`);
    const entry = readDotfile(dir).flavors[name];
    expect(Object.keys(entry)).toEqual(['source', 'description']);
    expect(entry.description).toBe(`test flavor (${lang})`);
    expect(path.isAbsolute(entry.source)).toBe(false);
    expect(entry.source.startsWith('.')).toBe(true);
    expect(path.resolve(dir, entry.source)).toBe(fixture(file));
    const list = await zenml('model-deployer', 'flavor', 'list', '-q');
    expect(lines(list.stdout)).toEqual([...BUILTIN_NAMES, name]);
  });

  it('a relative path on the command line is resolved against the cwd', async () => {
    const relative = path.relative(dir, fixture('record-flavor.mjs'));
    const r = await zenml('model-deployer', 'flavor', 'register', relative, '--allow-outside');
    expect(r.code).toBe(0);
    expect(path.resolve(dir, readDotfile(dir).flavors['record-js'].source)).toBe(fixture('record-flavor.mjs'));
  });

  it('--json prints the registered flavor', async () => {
    const r = await zenml('model-deployer', 'flavor', 'register', fixture('record-flavor.ts'), '--allow-outside', '--json');
    expect(r.code).toBe(0);
    expect(parseJson(r)).toEqual({
      name: 'record-ts',
      type: 'model_deployer',
      integration: 'custom',
      source: readDotfile(dir).flavors['record-ts'].source,
      description: 'test flavor (TypeScript)',
    });
  });

  it('the path#ExportName form stores the export name', async () => {
    const r = await zenml('model-deployer', 'flavor', 'register', `${fixture('record-flavor.ts')}#RecordModelDeployer`, '--allow-outside');
    expect(r.code).toBe(0);
    const entry = readDotfile(dir).flavors['record-ts'];
    expect(entry.export).toBe('RecordModelDeployer');
    expect(path.resolve(dir, entry.source)).toBe(fixture('record-flavor.ts'));
    const list = parseJson(await zenml('model-deployer', 'flavor', 'list', '--json'));
    expect(list.find((f: { name: string }) => f.name === 'record-ts').source).toBe(`${entry.source}#RecordModelDeployer`);
    // and it loads through the export
    const d = await zenml('model-deployer', 'flavor', 'describe', 'record-ts', '--json');
    expect(d.code).toBe(0);
  });

  it('registering the same file again is accepted and changes nothing', async () => {
    expect((await zenml('model-deployer', 'flavor', 'register', fixture('record-flavor.mjs'), '--allow-outside')).code).toBe(0);
    const before = readFileSync(dotfile(), 'utf8');
    const again = await zenml('model-deployer', 'flavor', 'register', fixture('record-flavor.mjs'), '--allow-outside');
    expect(again.code).toBe(0);
    expect(readFileSync(dotfile(), 'utf8')).toBe(before);
  });

  it('a project copied elsewhere keeps working while the relative path still resolves', async () => {
    // Both projects sit at the same depth under the temp root, so `../..` paths still reach the repo.
    const root = temp.dir('zenml-copy-');
    const original = path.join(root, 'one', 'project');
    const copy = path.join(root, 'two', 'project');
    cpSync(dir, original, { recursive: true });
    expect((await runZenml(['model-deployer', 'flavor', 'register', fixture('record-flavor.mjs'), '--allow-outside'], { cwd: original })).code).toBe(0);
    expect((await runZenml(['model-deployer', 'register', 'r', '--flavor', 'record-js'], { cwd: original })).code).toBe(0);
    cpSync(original, copy, { recursive: true });
    const stored = readDotfile(copy).flavors['record-js'].source;
    expect(path.isAbsolute(stored)).toBe(false);
    const described = await runZenml(['model-deployer', 'flavor', 'describe', 'record-js', '--json'], { cwd: copy });
    expect(described.code).toBe(0);
    expect(parseJson(described).fields.map((f: { key: string }) => f.key)).toEqual(['baseUrl']);
    const deployed = await runZenml(['model-deployer', 'deploy', '--deployer', 'r', '--model-uri', '/m/a.onnx', '-q'], { cwd: copy });
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
  });
});

describe('flavor describe', () => {
  it('shows the settings with types and defaults (table)', async () => {
    await zenml('model-deployer', 'flavor', 'register', fixture('record-flavor.ts'), '--allow-outside');
    const r = await zenml('model-deployer', 'flavor', 'describe', 'record-ts');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^flavor:\s+record-ts$/m);
    expect(r.stdout).toMatch(/^integration:\s+custom$/m);
    expect(r.stdout).toMatch(/^description:\s+test flavor \(TypeScript\)$/m);
    const table = r.stdout.split('\n\n')[1];
    const [head, ...rows] = lines(table).map((l) => l.split(/\s{2,}/));
    expect(head).toEqual(['SETTING', 'TYPE', 'DEFAULT', 'DESCRIPTION']);
    expect(rows).toEqual([
      ['baseUrl', 'string', '"http://127.0.0.1:9999"', 'URL the fake servers report'],
      ['replicas', 'integer', '1', 'replicas per server'],
    ]);
  });

  it('--json lists the fields', async () => {
    await zenml('model-deployer', 'flavor', 'register', fixture('record-flavor.ts'), '--allow-outside');
    const r = await zenml('model-deployer', 'flavor', 'describe', 'record-ts', '--json');
    expect(r.code).toBe(0);
    const d = parseJson(r);
    expect(d).toMatchObject({ name: 'record-ts', type: 'model_deployer', integration: 'custom', description: 'test flavor (TypeScript)' });
    expect(d.fields).toEqual([
      { key: 'baseUrl', type: 'string', required: false, default: 'http://127.0.0.1:9999', defaultText: null, description: 'URL the fake servers report' },
      { key: 'replicas', type: 'integer', required: false, default: 1, defaultText: null, description: 'replicas per server' },
    ]);
  });

  it('--json always has `default` (null when the setting has none) and `defaultText`', async () => {
    const d = parseJson(await zenml('model-deployer', 'flavor', 'describe', 'local', '--json'));
    for (const field of d.fields) expect(Object.keys(field)).toEqual(expect.arrayContaining(['key', 'type', 'required', 'default', 'defaultText']));
    expect(d.fields.find((f: { key: string }) => f.key === 'authToken')).toMatchObject({ default: null, defaultText: null });
    expect(d.fields.find((f: { key: string }) => f.key === 'stateDir')).toMatchObject({ default: null, defaultText: '.zenml/deployers/<component name>' });
    expect(d.fields.find((f: { key: string }) => f.key === 'port')).toMatchObject({ default: 0, defaultText: null });
  });

  it.each([[60], [80], [132]])('the table wraps to the terminal width (COLUMNS=%i when not a TTY)', async (columns) => {
    const r = await runZenml(['model-deployer', 'flavor', 'describe', 'local'], { cwd: dir, env: { COLUMNS: String(columns) } });
    expect(r.code).toBe(0);
    const longest = Math.max(...r.stdout.split('\n').map((l) => l.length));
    expect(longest).toBeLessThanOrEqual(columns);
    // Nothing is lost by wrapping: the words of every description are all there.
    const words = r.stdout.split(/\s+/).join(' ');
    // (authToken's TYPE cell, `string | object`, wraps beside the first words of its description.)
    expect(words).toMatch(/Bearer token (object )?clients must send to the prediction endpoints/);
    expect(words).toContain('ONNX models served by the embedded model server in a background process (the default)');
    // At 60 columns the default column is narrower than `.zenml/deployers/` (grpcPort's type `integer | false`
    // takes its share), so only its start is on the first line there.
    expect(r.stdout).toMatch(columns >= 80 ? /^stateDir\s+string\s+\.zenml\/deployers\//m : /^stateDir\s+string\s+\.zenml\//m);
  });

  it('without COLUMNS and without a TTY, the width is 80', async () => {
    const r = await runZenml(['model-deployer', 'flavor', 'describe', 'mlflow'], { cwd: dir, env: { COLUMNS: undefined } });
    const widths = r.stdout.split('\n').map((l) => l.length);
    expect(Math.max(...widths)).toBeLessThanOrEqual(80);
    expect(Math.max(...widths)).toBeGreaterThan(70);
  });

  it('an unknown flavor exits 3', async () => {
    const r = await zenml('model-deployer', 'flavor', 'describe', 'nope');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("no flavor named 'nope'");
  });
});

describe('flavor delete', () => {
  it('removes a custom flavor', async () => {
    await zenml('model-deployer', 'flavor', 'register', fixture('record-flavor.mjs'), '--allow-outside');
    const r = await zenml('model-deployer', 'flavor', 'delete', 'record-js');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("deleted flavor 'record-js'");
    expect(readDotfile(dir).flavors).toEqual({});
    expect((await zenml('model-deployer', 'flavor', 'list', '-q')).stdout).toBe(`${BUILTIN_NAMES.join('\n')}\n`);
  });

  it('refuses to delete a flavor a component uses, naming the component', async () => {
    await zenml('model-deployer', 'flavor', 'register', fixture('record-flavor.mjs'), '--allow-outside');
    expect((await zenml('model-deployer', 'register', 'uses-it', '--flavor', 'record-js')).code).toBe(0);
    const before = readFileSync(dotfile(), 'utf8');
    const r = await zenml('model-deployer', 'flavor', 'delete', 'record-js');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("flavor 'record-js' is used by model deployer(s) uses-it");
    expect(readFileSync(dotfile(), 'utf8')).toBe(before);
  });

  it('refuses to delete the built-in local flavor', async () => {
    const before = readFileSync(dotfile(), 'utf8');
    const r = await zenml('model-deployer', 'flavor', 'delete', 'local');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'local' is a built-in flavor and cannot be deleted");
    expect(readFileSync(dotfile(), 'utf8')).toBe(before);
  });

  it('an unknown flavor exits 3', async () => {
    const r = await zenml('model-deployer', 'flavor', 'delete', 'nope');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("no custom flavor named 'nope'");
  });
});

describe('flavor register failures: exit 2, the file named, the dotfile byte-identical', () => {
  const cases: Array<[string, string, RegExp[]]> = [
    ['a missing file', 'does-not-exist.ts', [/does not exist/]],
    ['a TypeScript syntax error', 'syntax-error.ts', [/syntax error at .*syntax-error\.ts:\d+/]],
    ['a JavaScript syntax error', 'syntax-error.mjs', [/syntax error at .*syntax-error\.mjs:\d+/]],
    ['a class that is not a BaseModelDeployer', 'not-a-deployer.mjs', [/NotADeployer does not extend BaseModelDeployer/]],
    ['missing methods', 'missing-method.mjs', [/does not implement/, /performStopModel/, /getModelServerLogs/]],
    ['a FLAVOR shadowing the built-in local', 'shadows-builtin.mjs', [/'local' shadows the built-in flavor/]],
    ['an unknown #ExportName', 'record-flavor.ts#Nope', [/has no export named 'Nope'/]],
  ];
  it.each(cases)('%s', async (_label, file, messages) => {
    await zenml('model-deployer', 'flavor', 'register', fixture('record-flavor.mjs'), '--allow-outside');
    const before = readFileSync(dotfile(), 'utf8');
    const r = await zenml('model-deployer', 'flavor', 'register', fixture(file), '--allow-outside');
    expect(r.code).toBe(2);
    const [first] = lines(r.stderr);
    expect(first).toMatch(/^zenml: error: /);
    expect(r.stderr).toContain(fixture(file.split('#')[0]));
    for (const m of messages) expect(r.stderr).toMatch(m);
    expect(r.stdout).toBe('');
    expect(readFileSync(dotfile(), 'utf8')).toBe(before);
  });

  it('a syntax error with --json: only JSON on stdout, with the file and line', async () => {
    const r = await zenml('model-deployer', 'flavor', 'register', fixture('syntax-error.ts'), '--allow-outside', '--json');
    expect(r.code).toBe(2);
    const { error } = parseJson(r);
    expect(error).toMatchObject({ code: 'FLAVOR_LOAD', exitCode: 2, details: { file: fixture('syntax-error.ts') } });
    expect(error.message).toMatch(/syntax-error\.ts:\d+/);
  });

  it('a second file declaring an already registered FLAVOR is refused, naming both files', async () => {
    await zenml('model-deployer', 'flavor', 'register', fixture('record-flavor.mjs'), '--allow-outside');
    const before = readFileSync(dotfile(), 'utf8');
    const r = await zenml('model-deployer', 'flavor', 'register', fixture('duplicate-record.mjs'), '--allow-outside');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("a flavor named 'record-js' is already registered from");
    expect(r.stderr).toContain('record-flavor.mjs');
    expect(r.stderr).toContain('duplicate-record.mjs');
    expect(readFileSync(dotfile(), 'utf8')).toBe(before);
  });

  it('a file that no longer loads breaks only the commands that need it, naming the file', async () => {
    // Registered under a path that is then pointed at a broken file: commands that load it fail with exit 2.
    writeDotfile(dir, { version: 1, flavors: { 'record-js': { source: path.relative(dir, fixture('syntax-error.mjs')) } } });
    const list = await zenml('model-deployer', 'flavor', 'list', '-q');
    expect(list.code).toBe(0);
    const r = await zenml('model-deployer', 'flavor', 'describe', 'record-js');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(fixture('syntax-error.mjs'));
  });
});
