// Layer 3: deployer components, stacks and `zenml init` through the built binary.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { killRunningZenml, lines, parseJson, readDotfile, recordProject, runZenml, writeDotfile } from '../helpers/cli.js';
import { TempDirs } from '../helpers/temp.js';

const temp = new TempDirs();
let dir: string;

beforeEach(() => {
  dir = temp.dir('zenml-components-');
});
afterEach(() => {
  killRunningZenml();
  temp.cleanup();
});

const zenml = (...args: string[]) => runZenml(args, { cwd: dir });
const dotfileText = () => readFileSync(path.join(dir, '.zenmlrc.json'), 'utf8');
const table = (stdout: string) => lines(stdout).map((l) => l.split(/\s{2,}/));

describe('a fresh project', () => {
  it('has a default stack and a default deployer of flavor local, without writing any file', async () => {
    const stacks = await zenml('stack', 'list', '--json');
    expect(stacks.code).toBe(0);
    expect(parseJson(stacks)).toEqual([{ name: 'default', modelDeployer: 'default', active: true }]);
    const deployers = await zenml('model-deployer', 'list', '--json');
    expect(parseJson(deployers)).toEqual([{ name: 'default', flavor: 'local', settings: {}, stacks: ['default'], active: true }]);
    const described = await zenml('model-deployer', 'describe', '--json');
    expect(parseJson(described)).toMatchObject({ name: 'default', flavor: 'local', active: true });
    // Reading created nothing: neither a project dotfile nor the user-level one.
    expect(existsSync(path.join(dir, '.zenmlrc.json'))).toBe(false);
    expect(existsSync(path.join(dir, 'xdg', 'zenml', 'config.json'))).toBe(false);
  });

  it('without a project dotfile, edits go to $XDG_CONFIG_HOME/zenml/config.json', async () => {
    const r = await zenml('stack', 'register', 'other', '-d', 'default');
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, 'xdg', 'zenml', 'config.json'), 'utf8'))).toEqual({
      version: 1,
      stacks: { other: { modelDeployer: 'default' } },
    });
  });
});

describe('zenml init', () => {
  it('creates .zenmlrc.json and refuses to overwrite it without --force', async () => {
    const created = await zenml('init');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(path.join(dir, '.zenmlrc.json'));
    expect(readDotfile(dir)).toMatchObject({ version: 1, activeStack: 'default', modelDeployers: {}, stacks: {}, flavors: {} });
    expect((await zenml('stack', 'register', 's1', '-d', 'default')).code).toBe(0);
    const before = dotfileText();

    const again = await zenml('init');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    expect(again.stderr).toContain('--force');
    expect(dotfileText()).toBe(before);

    const forced = await zenml('init', '--force');
    expect(forced.code).toBe(0);
    expect(readDotfile(dir).stacks).toEqual({});
  });

  it('--json reports the created path', async () => {
    const r = await zenml('init', '--json');
    expect(parseJson(r)).toEqual({ path: path.join(dir, '.zenmlrc.json'), created: true });
  });
});

describe('model-deployer register', () => {
  beforeEach(() => {
    recordProject(dir, {});
  });

  it('writes exactly the given settings, coerced by the flavor schema', async () => {
    const r = await zenml('model-deployer', 'register', 'r1', '--flavor', 'record-ts', '--base-url', 'http://x:1', '-c', 'replicas=3');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("registered model deployer 'r1' (flavor 'record-ts')");
    expect(readDotfile(dir).modelDeployers).toEqual({ r1: { flavor: 'record-ts', settings: { baseUrl: 'http://x:1', replicas: 3 } } });
  });

  it('writes no defaults: only what was typed is saved', async () => {
    expect((await zenml('model-deployer', 'register', 'r1', '-f', 'record-ts')).code).toBe(0);
    expect(readDotfile(dir).modelDeployers.r1).toEqual({ flavor: 'record-ts', settings: {} });
  });

  it('accepts --key=value and a base URL that looks like nothing special', async () => {
    const r = await zenml('model-deployer', 'register', 'j1', '--flavor', 'record-js', '--base-url=http://h:2');
    expect(r.code).toBe(0);
    expect(readDotfile(dir).modelDeployers.j1).toEqual({ flavor: 'record-js', settings: { baseUrl: 'http://h:2' } });
  });

  it('--json prints the component', async () => {
    const r = await zenml('model-deployer', 'register', 'r1', '--flavor', 'record-ts', '--replicas', '2', '--json');
    expect(parseJson(r)).toEqual({ name: 'r1', flavor: 'record-ts', settings: { replicas: 2 }, stacks: [], active: false });
  });

  it.each([
    ['below the minimum', ['-c', 'replicas=0'], '-c replicas=0: Too small: expected number to be >=1 (got 0)'],
    ['not a number', ['--replicas', 'abc'], '--replicas: expected a number (got "abc")'],
    ['not an integer', ['--replicas=1.5'], '--replicas: expected an integer (got 1.5)'],
    ['a quoted string for a number', ['--replicas', '"3"'], '--replicas: expected a number (got "3")'],
    ['an object for a number', ['-c', 'replicas={"n":3}'], '-c replicas={"n":3}: expected a number (got an object)'],
  ])('an invalid value (%s) exits 2 naming the option it came from, not the untouched dotfile', async (_label, args, line) => {
    const before = dotfileText();
    const r = await zenml('model-deployer', 'register', 'bad', '--flavor', 'record-ts', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`zenml: error: ${line}\n`);
    expect(dotfileText()).toBe(before);
  });

  it.each([
    ['--wrokers 4', ['--flavor', 'local', '--wrokers', '4'], "--wrokers: flavor 'local' has no setting 'wrokers'; did you mean workers?"],
    ['-c wrokers=4', ['--flavor', 'local', '-c', 'wrokers=4'], "-c wrokers=4: flavor 'local' has no setting 'wrokers'; did you mean workers?"],
    ['a nested typo', ['--flavor', 'local', '-c', 'batching.maxWaitMz=4'], "-c batching.maxWaitMz=4: flavor 'local' has no setting 'batching.maxWaitMz'; did you mean maxWaitMs?"],
    ['nothing close', ['--flavor', 'record-ts', '--colour', 'red'], "--colour: flavor 'record-ts' has no setting 'colour' (known: baseUrl, replicas)"],
  ])('an unknown setting key (%s) exits 2 with a did-you-mean, nothing written', async (_label, args, line) => {
    const before = dotfileText();
    const r = await zenml('model-deployer', 'register', 'typo', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`zenml: error: ${line}\n`);
    expect(dotfileText()).toBe(before);
  });

  it('--port abc for a built-in flavor names the option', async () => {
    const r = await zenml('model-deployer', 'register', 'bad1', '--flavor', 'local', '--port', 'abc', '--json');
    expect(r.code).toBe(2);
    expect(parseJson(r).error).toMatchObject({ code: 'USAGE', message: '--port: expected a number (got "abc")' });
  });

  it('a duplicate name exits 2 and changes nothing', async () => {
    expect((await zenml('model-deployer', 'register', 'r1', '--flavor', 'record-js')).code).toBe(0);
    const before = dotfileText();
    const r = await zenml('model-deployer', 'register', 'r1', '--flavor', 'record-ts', '--replicas', '2');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("a model deployer named 'r1' already exists");
    expect(dotfileText()).toBe(before);
  });

  it.each([
    ['an invalid name', ['register', 'bad name', '--flavor', 'record-js'], 2, 'invalid name'],
    ['an unknown flavor', ['register', 'x', '--flavor', 'nope'], 3, "no flavor named 'nope'"],
    ['no --flavor', ['register', 'x'], 2, '--flavor'],
    ['a stray argument', ['register', 'x', '--flavor', 'record-js', 'stray'], 2, "unexpected argument 'stray'"],
    ['a malformed -c', ['register', 'x', '--flavor', 'record-js', '-c', 'novalue'], 2, "expected key=value, got 'novalue'"],
  ])('%s is refused', async (_label, args, code, message) => {
    const before = dotfileText();
    const r = await zenml('model-deployer', ...args);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message);
    expect(dotfileText()).toBe(before);
  });
});

describe('model-deployer list, describe, update, delete', () => {
  beforeEach(() => {
    recordProject(dir, { r1: { flavor: 'record-ts', settings: { baseUrl: 'http://x:1', replicas: 3 } }, j1: { flavor: 'record-js' } });
  });

  it('list prints a table, --json and -q', async () => {
    const r = await zenml('model-deployer', 'list');
    expect(r.code).toBe(0);
    expect(table(r.stdout)).toEqual([
      ['ACTIVE', 'NAME', 'FLAVOR', 'STACKS', 'SETTINGS'],
      ['*', 'default', 'local', 'default'],
      ['', 'j1', 'record-js'],
      ['', 'r1', 'record-ts', '{"baseUrl":"http://x:1","replicas":3}'],
    ]);
    const json = parseJson(await zenml('model-deployer', 'list', '--json'));
    expect(json).toEqual([
      { name: 'default', flavor: 'local', settings: {}, stacks: ['default'], active: true },
      { name: 'j1', flavor: 'record-js', settings: {}, stacks: [], active: false },
      { name: 'r1', flavor: 'record-ts', settings: { baseUrl: 'http://x:1', replicas: 3 }, stacks: [], active: false },
    ]);
    expect((await zenml('model-deployer', 'list', '-q')).stdout).toBe('default\nj1\nr1\n');
  });

  it('describe shows one component (human and --json); an unknown name exits 3', async () => {
    const r = await zenml('model-deployer', 'describe', 'r1');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^model deployer:\s+r1$/m);
    expect(r.stdout).toMatch(/^flavor:\s+record-ts$/m);
    expect(r.stdout).toMatch(/^settings\.baseUrl:\s+http:\/\/x:1$/m);
    expect(r.stdout).toMatch(/^settings\.replicas:\s+3$/m);
    const bare = await zenml('model-deployer', 'describe', 'j1');
    expect(bare.stdout).toMatch(/^settings:\s+\(none\)$/m);
    expect(bare.stdout).not.toContain('{}');
    expect(parseJson(await zenml('model-deployer', 'describe', 'r1', '--json'))).toEqual({
      name: 'r1',
      flavor: 'record-ts',
      settings: { baseUrl: 'http://x:1', replicas: 3 },
      stacks: [],
      active: false,
    });
    const missing = await zenml('model-deployer', 'update', 'nope', '--replicas', '2');
    expect(missing.code).toBe(3);
  });

  it('update merges new settings into the existing ones', async () => {
    const r = await zenml('model-deployer', 'update', 'r1', '--replicas', '5');
    expect(r.code).toBe(0);
    expect(readDotfile(dir).modelDeployers.r1).toEqual({ flavor: 'record-ts', settings: { baseUrl: 'http://x:1', replicas: 5 } });
    const json = parseJson(await zenml('model-deployer', 'update', 'r1', '-c', 'base-url=http://y:2', '--json'));
    expect(json.settings).toEqual({ baseUrl: 'http://y:2', replicas: 5 });
    expect(readDotfile(dir).modelDeployers.r1.settings).toEqual({ baseUrl: 'http://y:2', replicas: 5 });
  });

  it.each([['baseUrl'], ['base-url']])('update --unset %s removes the setting', async (key) => {
    const r = await zenml('model-deployer', 'update', 'r1', '--unset', key);
    expect(r.code).toBe(0);
    expect(readDotfile(dir).modelDeployers.r1.settings).toEqual({ replicas: 3 });
  });

  it('update with an invalid value or nothing to change exits 2 and changes nothing', async () => {
    const before = dotfileText();
    const bad = await zenml('model-deployer', 'update', 'r1', '--replicas', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('zenml: error: --replicas: Too small: expected number to be >=1 (got 0)\n');
    const typo = await zenml('model-deployer', 'update', 'r1', '--replica', '2');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe("zenml: error: --replica: flavor 'record-ts' has no setting 'replica'; did you mean replicas?\n");
    const nothing = await zenml('model-deployer', 'update', 'r1');
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('nothing to update');
    expect(dotfileText()).toBe(before);
  });

  it('delete removes a component no stack uses', async () => {
    const r = await zenml('model-deployer', 'delete', 'j1');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("deleted model deployer 'j1'");
    expect(Object.keys(readDotfile(dir).modelDeployers)).toEqual(['r1']);
  });

  it('delete is refused while a stack uses the component, and allowed after', async () => {
    expect((await zenml('stack', 'register', 's1', '-d', 'r1')).code).toBe(0);
    const before = dotfileText();
    const r = await zenml('model-deployer', 'delete', 'r1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("model deployer 'r1' is used by stack(s) s1");
    expect(dotfileText()).toBe(before);
    expect((await zenml('stack', 'delete', 's1')).code).toBe(0);
    expect((await zenml('model-deployer', 'delete', 'r1')).code).toBe(0);
    expect(readDotfile(dir).modelDeployers.r1).toBeUndefined();
  });

  it('the default deployer cannot be deleted', async () => {
    const before = dotfileText();
    const r = await zenml('model-deployer', 'delete', 'default');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the 'default' model deployer is built in and cannot be deleted");
    expect(dotfileText()).toBe(before);
  });
});

describe('model-deployer delete, when the platform is gone', () => {
  // A kubeconfig pointing at a port nothing listens on: a cluster torn down (kind delete cluster) after the
  // component was registered. No Kubernetes API server is needed to show that the CLI cannot reach one.
  let kubeconfig: string;
  beforeEach(async () => {
    const port = await closedPort();
    kubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster:\n    server: https://127.0.0.1:${port}\ncontexts:\n- name: gone\n  context:\n    cluster: gone\n    user: u\ncurrent-context: gone\nusers:\n- name: u\n  user:\n    token: t\n`,
    );
    expect((await zenml('init')).code).toBe(0);
    const registered = await zenml('model-deployer', 'register', 'sd', '--flavor', 'seldon', '--kubeconfig', kubeconfig, '-c', 'baseUrl=http://127.0.0.1:1');
    expect(registered.code).toBe(0);
  });

  it('delete and delete --force fail, change nothing and name --orphan; --orphan deletes the component alone', async () => {
    const before = dotfileText();
    const plain = await zenml('model-deployer', 'delete', 'sd');
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('cannot reach the Kubernetes API server');
    expect(plain.stderr).toContain('zenml model-deployer delete sd --orphan');
    const forced = await zenml('model-deployer', 'delete', 'sd', '--force', '--json');
    expect(forced.code).toBe(1);
    expect(JSON.parse(forced.stdout).error).toMatchObject({ code: 'KUBERNETES_UNREACHABLE', suggestion: expect.stringContaining('--orphan') });
    expect(dotfileText()).toBe(before);

    const orphaned = await zenml('model-deployer', 'delete', 'sd', '--orphan', '--json');
    expect(orphaned.code).toBe(0);
    expect(parseJson(orphaned)).toEqual({ name: 'sd', deleted: true, deletedServers: [], orphaned: true });
    expect(readDotfile(dir).modelDeployers.sd).toBeUndefined();
  });

  it('a deleted kubeconfig: delete exits 2 naming both ways out; --orphan says the servers were not touched', async () => {
    rmSync(kubeconfig);
    const plain = await zenml('model-deployer', 'delete', 'sd');
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain(`kubeconfig: ${kubeconfig} does not exist`);
    expect(plain.stderr).toContain('zenml model-deployer update <name> --kubeconfig <path>');
    expect(plain.stderr).toContain('zenml model-deployer delete sd --orphan');
    const orphaned = await zenml('model-deployer', 'delete', 'sd', '--orphan');
    expect(orphaned.code).toBe(0);
    expect(orphaned.stdout).toContain("deleted model deployer 'sd' (its model servers were not touched)");
    expect(readDotfile(dir).modelDeployers.sd).toBeUndefined();
  });

  it('--orphan with --force, or on a name that is no component, exits 2 and changes nothing', async () => {
    const before = dotfileText();
    const both = await zenml('model-deployer', 'delete', 'sd', '--orphan', '--force');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--orphan and --force ask for opposite things');
    const notComponent = await zenml('model-deployer', 'delete', '0b6f0c1e-0000-4000-8000-000000000000', '--orphan');
    expect(notComponent.code).toBe(2);
    expect(notComponent.stderr).toContain("--orphan deletes a deployer component, and there is none named '0b6f0c1e-0000-4000-8000-000000000000'");
    expect(notComponent.stderr).toContain('components: default, sd');
    expect(dotfileText()).toBe(before);
  });

  it('--orphan still refuses the default deployer and a component a stack uses', async () => {
    expect((await zenml('stack', 'register', 's1', '-d', 'sd')).code).toBe(0);
    const used = await zenml('model-deployer', 'delete', 'sd', '--orphan');
    expect(used.code).toBe(2);
    expect(used.stderr).toContain("model deployer 'sd' is used by stack(s) s1");
    const builtIn = await zenml('model-deployer', 'delete', 'default', '--orphan');
    expect(builtIn.code).toBe(2);
    expect(readDotfile(dir).modelDeployers.sd).toBeDefined();
  });
});

/** A port on 127.0.0.1 that was free a moment ago and has nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('stacks', () => {
  beforeEach(() => {
    recordProject(dir, { r1: { flavor: 'record-ts' }, j1: { flavor: 'record-js' } });
  });

  it('register -d adds a stack without activating it; --set activates it', async () => {
    const r = await zenml('stack', 'register', 's1', '-d', 'r1');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("registered stack 's1' (model deployer 'r1')");
    let file = readDotfile(dir);
    expect(file.stacks).toEqual({ s1: { modelDeployer: 'r1' } });
    expect(file.activeStack).toBeUndefined();
    expect((await zenml('stack', 'register', 's2', '--model-deployer', 'j1', '--set')).code).toBe(0);
    file = readDotfile(dir);
    expect(file.stacks.s2).toEqual({ modelDeployer: 'j1' });
    expect(file.activeStack).toBe('s2');
    expect(parseJson(await zenml('model-deployer', 'describe', '--json')).name).toBe('j1');
  });

  it.each([
    ['an unknown deployer', ['register', 's1', '-d', 'nope'], 3, "no model deployer named 'nope'"],
    ['no -d', ['register', 's1'], 2, '--model-deployer'],
    ['an invalid name', ['register', 'bad/name', '-d', 'r1'], 2, 'invalid name'],
    ['a duplicate', ['register', 'default', '-d', 'r1'], 2, "a stack named 'default' already exists"],
    ['set of an unknown stack', ['set', 'nope'], 3, "no stack named 'nope'"],
    ['update of an unknown stack', ['update', 'nope', '-d', 'r1'], 3, "no stack named 'nope'"],
    ['delete of an unknown stack', ['delete', 'nope'], 3, "no stack named 'nope'"],
    ['describe of an unknown stack', ['describe', 'nope'], 3, "no stack named 'nope'"],
  ])('%s is refused', async (_label, args, code, message) => {
    const before = dotfileText();
    const r = await zenml('stack', ...args);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message);
    expect(dotfileText()).toBe(before);
  });

  it('set, list and describe', async () => {
    await zenml('stack', 'register', 's1', '-d', 'r1');
    const set = await zenml('stack', 'set', 's1');
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('active stack: s1\n');
    expect(readDotfile(dir).activeStack).toBe('s1');

    const list = await zenml('stack', 'list');
    expect(table(list.stdout)).toEqual([
      ['ACTIVE', 'STACK', 'MODEL DEPLOYER'],
      ['', 'default', 'default'],
      ['*', 's1', 'r1'],
    ]);
    expect(parseJson(await zenml('stack', 'list', '--json'))).toEqual([
      { name: 'default', modelDeployer: 'default', active: false },
      { name: 's1', modelDeployer: 'r1', active: true },
    ]);
    expect((await zenml('stack', 'list', '-q')).stdout).toBe('default\ns1\n');

    const described = await zenml('stack', 'describe');
    expect(described.stdout).toMatch(/^stack:\s+s1$/m);
    expect(described.stdout).toMatch(/^active:\s+true$/m);
    expect(described.stdout).toMatch(/^model deployer:\s+r1$/m);
    expect(parseJson(await zenml('stack', 'describe', 'default', '--json'))).toEqual({ name: 'default', modelDeployer: 'default', active: false });
    // The component view follows the active stack.
    expect(parseJson(await zenml('model-deployer', 'describe', 'r1', '--json'))).toMatchObject({ stacks: ['s1'], active: true });
  });

  it('update points a stack at another deployer', async () => {
    await zenml('stack', 'register', 's1', '-d', 'r1');
    const r = await zenml('stack', 'update', 's1', '-d', 'j1');
    expect(r.code).toBe(0);
    expect(readDotfile(dir).stacks.s1).toEqual({ modelDeployer: 'j1' });
    const bad = await zenml('stack', 'update', 's1', '-d', 'nope');
    expect(bad.code).toBe(3);
    expect(readDotfile(dir).stacks.s1).toEqual({ modelDeployer: 'j1' });
  });

  it('delete removes an inactive stack, and refuses the active one and default', async () => {
    await zenml('stack', 'register', 's1', '-d', 'r1', '--set');
    await zenml('stack', 'register', 's2', '-d', 'j1');
    const before = dotfileText();
    const active = await zenml('stack', 'delete', 's1');
    expect(active.code).toBe(2);
    expect(active.stderr).toContain("stack 's1' is active");
    const builtin = await zenml('stack', 'delete', 'default');
    expect(builtin.code).toBe(2);
    expect(builtin.stderr).toContain("the 'default' stack is built in and cannot be deleted");
    expect(dotfileText()).toBe(before);

    const ok = await zenml('stack', 'delete', 's2');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe("deleted stack 's2'\n");
    expect(Object.keys(readDotfile(dir).stacks)).toEqual(['s1']);
    expect((await zenml('stack', 'set', 'default')).code).toBe(0);
    expect((await zenml('stack', 'delete', 's1')).code).toBe(0);
    expect(readDotfile(dir).stacks).toEqual({});
  });
});

describe('--config and ZENML_CONFIG', () => {
  it('edit the named file and leave the project dotfile alone', async () => {
    const project = writeDotfile(dir, { version: 1 });
    const before = readFileSync(project, 'utf8');
    const viaFlag = path.join(dir, 'flag', 'zenml.json');
    const viaEnv = path.join(dir, 'env.yaml');
    // A named file's folder is never created: a mistyped path is exit 2 (test/e2e/first-day.test.ts).
    mkdirSync(path.dirname(viaFlag));
    expect((await zenml('--config', viaFlag, 'stack', 'register', 'f', '-d', 'default')).code).toBe(0);
    expect((await runZenml(['stack', 'register', 'e', '-d', 'default'], { cwd: dir, env: { ZENML_CONFIG: viaEnv } })).code).toBe(0);
    expect(JSON.parse(readFileSync(viaFlag, 'utf8')).stacks).toEqual({ f: { modelDeployer: 'default' } });
    expect(readFileSync(viaEnv, 'utf8')).toContain('stacks:\n  e:\n    modelDeployer: default\n');
    expect(readFileSync(project, 'utf8')).toBe(before);
    // --config wins over ZENML_CONFIG.
    const both = await runZenml(['--config', viaFlag, 'stack', 'list', '-q'], { cwd: dir, env: { ZENML_CONFIG: viaEnv } });
    expect(both.stdout).toBe('default\nf\n');
  });
});
