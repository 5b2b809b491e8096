// Issue 21, "what a new user meets": each promise the README and docs/ make that the binary did not keep, checked
// through the built `zenml` binary as a user types it (real model servers on 127.0.0.1, real dotfiles in temp dirs).
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, fixture, killRunningZenml, parseJson, readDotfile, runZenml, writeDotfile, type RunResult } from '../helpers/cli.js';
import { IRIS_V1, killServers } from '../helpers/local-servers.js';
import { shellBlocks } from '../helpers/doc-blocks.js';
import { TempDirs } from '../helpers/temp.js';

const PACKAGE_VERSION: string = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version;
const temps = new TempDirs();
/** A project with one running iris server, shared by the server rows. */
let shared: string;
let served: { uuid: string; modelVersion: string; info: Record<string, string> };

function run(cwd: string, args: string[], env?: Record<string, string | undefined>, home?: string): Promise<RunResult> {
  return runZenml(args, { cwd, env, home, timeoutMs: 40_000 });
}

async function ok(cwd: string, args: string[], env?: Record<string, string | undefined>): Promise<RunResult> {
  const r = await run(cwd, args, env);
  if (r.code !== 0) throw new Error(`zenml ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** The base URL (scheme, host, port) of the shared server. */
function baseUrl(): string {
  return new URL(served.info.PREDICTION_URL!).origin;
}

beforeAll(async () => {
  shared = temps.dir('zenml-first-day-');
  writeDotfile(shared, { version: 1 });
  served = parseJson(await ok(shared, ['model-deployer', 'deploy', '--model-uri', IRIS_V1, '--model-name', 'iris', '--timeout', '60', '--json']));
});

afterAll(() => {
  killRunningZenml();
  for (const dir of temps.list()) killServers(dir);
  temps.cleanup();
});

describe('the README says one thing, the binary does another', () => {
  test('1. GET /version and GET /v2 report the package version (the bundled server finds package.json above it)', async () => {
    expect(PACKAGE_VERSION).not.toBe('0.0.0');
    const version = await (await fetch(`${baseUrl()}/version`)).text();
    expect(version.trim()).toBe(PACKAGE_VERSION);
    const v2 = await (await fetch(`${baseUrl()}/v2`)).json();
    expect(v2).toMatchObject({ name: expect.any(String), version: PACKAGE_VERSION });
  });

  test("2. the human `flavor list` shows each flavor's DESCRIPTION", async () => {
    const cwd = temps.dir('zenml-first-day-');
    writeDotfile(cwd, { version: 1 });
    const r = await ok(cwd, ['model-deployer', 'flavor', 'list'], { COLUMNS: '200' });
    const [head, ...rows] = r.stdout.trimEnd().split('\n');
    expect(head!.split(/\s{2,}/)).toEqual(['FLAVOR', 'TYPE', 'INTEGRATION', 'SOURCE', 'DESCRIPTION']);
    const listed = parseJson(await ok(cwd, ['model-deployer', 'flavor', 'list', '--json']));
    expect(rows).toHaveLength(listed.length);
    for (const flavor of listed) {
      expect(flavor.description).not.toBe('');
      expect(rows.find((row) => row.startsWith(`${flavor.name} `))).toContain(flavor.description);
    }
  });

  test.each([
    ['--config', (p: string) => ({ args: ['--config', p, 'init'], env: {} })],
    ['ZENML_CONFIG', (p: string) => ({ args: ['init'], env: { ZENML_CONFIG: p } })],
  ])('3. init writes the dotfile %s names, not ./.zenmlrc.json', async (_how, how) => {
    const cwd = temps.dir('zenml-first-day-');
    const { args, env } = how('sub/my.json');
    const r = await ok(cwd, args, env);
    expect(r.stdout).toBe(`created ${path.join(cwd, 'sub/my.json')}\n`);
    expect(existsSync(path.join(cwd, '.zenmlrc.json'))).toBe(false);
    expect(readDotfile(path.join(cwd, 'sub'), 'my.json')).toMatchObject({ version: 1, activeStack: 'default' });
    // and the commands that follow read it
    await ok(cwd, ['--config', 'sub/my.json', 'model-deployer', 'register', 'fast', '--flavor', 'local']);
    expect(readDotfile(path.join(cwd, 'sub'), 'my.json').modelDeployers.fast).toEqual({ flavor: 'local', settings: {} });
  });

  test.each(['.zenmlrc.yaml', '.zenmlrc', 'zenml.config.mjs'])('4. init refuses beside an existing %s (it would shadow it)', async (name) => {
    const cwd = temps.dir('zenml-first-day-');
    const body = name.endsWith('.mjs') ? 'export default { version: 1 };\n' : 'version: 1\nmodelDeployers:\n  fast: {flavor: local}\n';
    writeFileSync(path.join(cwd, name), body);
    const r = await run(cwd, ['init']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `zenml: error: ${path.join(cwd, name)} is already this folder's dotfile: a new .zenmlrc.json would shadow it\n` +
        'hint: edit or remove it, or name another file with --config\n',
    );
    expect(existsSync(path.join(cwd, '.zenmlrc.json'))).toBe(false);
  });

  test.each(['promote', 'rollback'])('5. %s of an unknown uuid on a local deployer exits 3 (the uuid is looked up first)', async (verb) => {
    const r = await run(shared, ['model-deployer', verb, '00000000-0000-4000-8000-000000000000']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^zenml: error: no model server with uuid 00000000-0000-4000-8000-000000000000 in deployer 'default'\n/);
  });

  test("6. GET /invocations answers 405 with MLflow's error_code and message too", async () => {
    const response = await fetch(`${baseUrl()}/invocations`);
    expect(response.status).toBe(405);
    const message = 'GET is not allowed on /invocations; use POST';
    expect(await response.json()).toEqual({ error: message, error_code: 'BAD_REQUEST', message });
  });

  test("8. the README's shared flavor (flavor register ~/shared/flavor.ts --allow-outside) loads the CLI's own package", async () => {
    const home = temps.dir('zenml-first-day-home-');
    const cwd = temps.dir('zenml-first-day-');
    mkdirSync(path.join(home, 'shared'));
    copyFileSync(fixture('record-flavor.ts'), path.join(home, 'shared/flavor.ts'));
    writeDotfile(cwd, { version: 1 });
    // The README's line, run by a shell (for ~) in a project outside the repository.
    const r = await runZenml(['model-deployer', 'flavor', 'register', path.join(home, 'shared/flavor.ts'), '--allow-outside'], { cwd, home });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toBe(`registered flavor 'record-ts' from ${path.relative(cwd, path.join(home, 'shared/flavor.ts'))}\n`);
    const described = parseJson(await runZenml(['model-deployer', 'flavor', 'describe', 'record-ts', '--json'], { cwd, home }));
    expect(described).toMatchObject({ name: 'record-ts', integration: 'custom' });
  });

  test('9. the authToken error docs/local-flavor.md quotes is the one the binary prints', async () => {
    const cwd = temps.dir('zenml-first-day-');
    writeDotfile(cwd, { version: 1, modelDeployers: { secure: { flavor: 'local', settings: { authToken: { env: 'MY_TOKEN' } } } } });
    const r = await run(cwd, ['model-deployer', 'deploy', '--deployer', 'secure', '--model-uri', IRIS_V1], { MY_TOKEN: undefined });
    expect(r.code).toBe(2);
    const doc = readFileSync(path.join(REPO_ROOT, 'docs/local-flavor.md'), 'utf8').replace(/\s*\n\s*/g, ' ');
    const quoted = /`(zenml: error: <project>\/\.zenmlrc\.json: [^`]+)`/.exec(doc)?.[1];
    expect(quoted).toBeDefined();
    expect(r.stderr.split('\n')[0]).toBe(quoted!.replace('<project>', cwd));
  });
});

describe('rough edges a first day finds', () => {
  test('a named dotfile: missing is exit 2 (except for register, which creates it but no folders); .toml is refused; an empty .zenmlrc.json is the dotfile', async () => {
    const cwd = temps.dir('zenml-first-day-');
    const missing = await run(cwd, ['--config', 'nope.json', 'model-deployer', 'find']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`zenml: error: ${path.join(cwd, 'nope.json')} (from --config) does not exist\nhint: check the path, or create it with 'zenml --config ${path.join(cwd, 'nope.json')} init'\n`);
    const viaEnv = await run(cwd, ['model-deployer', 'list'], { ZENML_CONFIG: 'typo.json' });
    expect(viaEnv.code).toBe(2);
    expect(viaEnv.stderr).toMatch(/^zenml: error: .*typo\.json \(from ZENML_CONFIG\) does not exist\n/);

    const noFolder = await run(cwd, ['--config', 'missing/dir/x.json', 'model-deployer', 'register', 'a', '--flavor', 'local']);
    expect(noFolder.code).toBe(2);
    expect(noFolder.stderr).toMatch(/\(from --config\): folder .*missing\/dir does not exist\n/);
    expect(existsSync(path.join(cwd, 'missing'))).toBe(false);

    const toml = await run(cwd, ['--config', 'x.toml', 'model-deployer', 'register', 'a', '--flavor', 'local']);
    expect(toml.code).toBe(2);
    expect(toml.stderr).toMatch(/x\.toml \(from --config\): unsupported dotfile extension '\.toml'\n/);
    expect(existsSync(path.join(cwd, 'x.toml'))).toBe(false);

    await ok(cwd, ['--config', 'made.json', 'model-deployer', 'register', 'a', '--flavor', 'local']);
    expect(readDotfile(cwd, 'made.json').modelDeployers.a).toEqual({ flavor: 'local', settings: {} });

    writeFileSync(path.join(cwd, '.zenmlrc.json'), '');
    await ok(cwd, ['model-deployer', 'register', 'b', '--flavor', 'local']);
    expect(readDotfile(cwd).modelDeployers.b).toEqual({ flavor: 'local', settings: {} });
    expect(existsSync(path.join(cwd, 'xdg/zenml/config.json'))).toBe(false);
  });

  test('logs --follow ends (exit 0) when the server stops, and says so', async () => {
    const cwd = temps.dir('zenml-first-day-');
    writeDotfile(cwd, { version: 1 });
    const uuid = (await ok(cwd, ['model-deployer', 'deploy', '--model-uri', IRIS_V1, '--model-name', 'f', '--timeout', '60', '-q'])).stdout.trim();
    // Whether the follow starts before or after the stop, it must end by itself (it used to run until killed).
    const follow = runZenml(['model-deployer', 'logs', uuid, '--follow', '-n', '1'], { cwd, timeoutMs: 30_000 });
    await ok(cwd, ['model-deployer', 'stop', uuid]);
    const r = await follow;
    expect(r.code).toBe(0);
    expect(r.stdout).not.toBe('');
    expect(r.stderr).toBe(`model server ${uuid} is not running: no more log lines\n`);
    await ok(cwd, ['model-deployer', 'delete', uuid]);
  });

  test('models get-url on a stopped server says it is not running (exit 1); --json puts null in the error details', async () => {
    const cwd = temps.dir('zenml-first-day-');
    writeDotfile(cwd, { version: 1 });
    const uuid = (await ok(cwd, ['model-deployer', 'deploy', '--model-uri', IRIS_V1, '--model-name', 'g', '--timeout', '60', '-q'])).stdout.trim();
    expect((await ok(cwd, ['model-deployer', 'models', 'get-url', uuid])).stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/invocations\n$/);
    await ok(cwd, ['model-deployer', 'stop', uuid]);
    const r = await run(cwd, ['model-deployer', 'models', 'get-url', uuid]);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
    expect(r.stderr).toBe(`zenml: error: model server ${uuid} is not running (state: inactive): it has no prediction URL\nhint: start it with \`zenml model-deployer start ${uuid}\`\n`);
    const json = await run(cwd, ['model-deployer', 'models', 'get-url', uuid, '--json']);
    expect(json.code).toBe(1);
    expect(parseJson(json).error).toMatchObject({ code: 'NOT_RUNNING', details: { uuid, predictionUrl: null, state: 'inactive' } });
  });

  test("predict to a crashed server: one line that does not announce log lines it leaves out; the hint names `logs`", async () => {
    const cwd = temps.dir('zenml-first-day-');
    writeDotfile(cwd, { version: 1 });
    const view = parseJson(await ok(cwd, ['model-deployer', 'deploy', '--model-uri', IRIS_V1, '--model-name', 'c', '--timeout', '60', '--json']));
    process.kill(Number(view.info.DAEMON_PID), 'SIGKILL');
    let r: RunResult;
    do r = await run(cwd, ['model-deployer', 'predict', view.uuid, '--data', '{"instances": [[5.1, 3.5, 1.4, 0.2]]}']);
    while (r.stderr.includes('state: active'));
    expect(r.code).toBe(1);
    const [first, hint, ...rest] = r.stderr.split('\n');
    expect(first).toMatch(new RegExp(`^zenml: error: model server ${view.uuid} is not running \\(state: error: model server process ${view.info.DAEMON_PID} exited unexpectedly\\)$`));
    expect(hint).toBe(`hint: start it with \`zenml model-deployer start ${view.uuid}\`; its log: \`zenml model-deployer logs ${view.uuid}\``);
    expect(rest).toEqual(['']);
  });

  test('environment variables are validated: exit 2 naming the variable', async () => {
    const cwd = temps.dir('zenml-first-day-');
    writeDotfile(cwd, { version: 1 });
    for (const [name, value] of [['ZENML_KUBERNETES_REQUEST_TIMEOUT', 'abc'], ['ZENML_LOCK_STALE_MS', '-1'], ['COLUMNS', 'wide']]) {
      const r = await run(cwd, ['stack', 'list'], { [name]: value });
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^zenml: error: ${name}: expected a positive number of \\w+ \\(got "${value}"\\)$`));
    }
    expect((await run(cwd, ['stack', 'list'], { ZENML_KUBERNETES_REQUEST_TIMEOUT: '2' })).code).toBe(0);
  });

  test("update --unset of a key the flavor lacks or the component does not set, and update --flavor: exit 2, nothing written", async () => {
    const cwd = temps.dir('zenml-first-day-');
    const file = writeDotfile(cwd, { version: 1, modelDeployers: { a: { flavor: 'local', settings: { port: 8080 } } } });
    const before = readFileSync(file, 'utf8');
    const unknown = await run(cwd, ['model-deployer', 'update', 'a', '--unset', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^zenml: error: --unset nope: flavor 'local' has no setting 'nope' \(known: /);
    const notSet = await run(cwd, ['model-deployer', 'update', 'a', '--unset', 'workers']);
    expect(notSet.stderr).toBe("zenml: error: --unset workers: 'workers' is not set on model deployer 'a'\nhint: its settings: port\n");
    expect(notSet.code).toBe(2);
    const flavor = await run(cwd, ['model-deployer', 'update', 'a', '--flavor', 'mlflow']);
    expect(flavor.code).toBe(2);
    expect(flavor.stderr).toBe(
      "zenml: error: --flavor: update cannot change a component's flavor ('a' is 'local')\n" +
        'hint: delete it (zenml model-deployer delete a) and register it again with the new flavor, or register another name\n',
    );
    expect(readFileSync(file, 'utf8')).toBe(before);
    await ok(cwd, ['model-deployer', 'update', 'a', '--unset', 'port']);
    expect(readDotfile(cwd).modelDeployers.a.settings).toEqual({});
  });

  test('a bare `zenml` prints its help on stdout and exits 0', async () => {
    const r = await run(temps.dir('zenml-first-day-'), []);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^Usage: zenml \[options\] \[command\]\n/);
  });

  test('-n is --tail for both logs commands; -t is --timeout everywhere, never --tail', async () => {
    for (const command of [['logs'], ['models', 'logs']]) {
      const r = await run(shared, ['model-deployer', ...command, served.uuid, '-n', '1']);
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
      const help = await run(shared, ['model-deployer', ...command, '--help']);
      expect(help.stdout).toMatch(/-n, --tail <lines>/);
      expect(help.stdout).not.toMatch(/-t, /);
    }
  });

  test("the top-level modelVersion is the version the server serves (info.MODEL_VERSION)", async () => {
    const r = parseJson(await ok(shared, ['model-deployer', 'describe', served.uuid, '--json']));
    expect(r.info.MODEL_VERSION).toBe('1');
    expect(r.modelVersion).toBe('1');
    expect(served.modelVersion).toBe('1');
  });

  test('--host of an address this machine lacks: exit 2 saying so, not a raw EADDRNOTAVAIL', async () => {
    const cwd = temps.dir('zenml-first-day-');
    writeDotfile(cwd, { version: 1, modelDeployers: { far: { flavor: 'local', settings: { host: '10.255.255.1' } } } });
    const r = await run(cwd, ['model-deployer', 'deploy', '--deployer', 'far', '--model-uri', IRIS_V1]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'zenml: error: host 10.255.255.1 is not an address of this machine (cannot listen on it: EADDRNOTAVAIL)\n' +
        "hint: use 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one of this machine's addresses (ip addr)\n",
    );
  });
});

test('flavor describe lists the service settings deploy -c takes (built-in and custom flavors, human and --json)', async () => {
  const cwd = temps.dir('zenml-first-day-');
  writeDotfile(cwd, { version: 1 });
  await ok(cwd, ['model-deployer', 'flavor', 'register', fixture('service-settings-flavor.mjs'), '--allow-outside']);
  await ok(cwd, ['model-deployer', 'flavor', 'register', fixture('record-flavor.mjs'), '--allow-outside']);
  const kserve = parseJson(await ok(cwd, ['model-deployer', 'flavor', 'describe', 'kserve', '--json']));
  expect(kserve.serviceSettings.map((f: { key: string }) => f.key)).toEqual(expect.arrayContaining(['minReplicas', 'maxReplicas', 'canaryTrafficPercent']));
  expect(parseJson(await ok(cwd, ['model-deployer', 'flavor', 'describe', 'local', '--json'])).serviceSettings).toEqual([]);
  expect(parseJson(await ok(cwd, ['model-deployer', 'flavor', 'describe', 'record-js', '--json'])).serviceSettings).toBeNull();
  const custom = parseJson(await ok(cwd, ['model-deployer', 'flavor', 'describe', 'svc-settings', '--json']));
  expect(custom.serviceSettings.find((f: { key: string }) => f.key === 'replicas')).toMatchObject({ type: 'integer', default: 1, required: false });

  const human = (await ok(cwd, ['model-deployer', 'flavor', 'describe', 'kserve'], { COLUMNS: '200' })).stdout;
  expect(human).toMatch(/\n\nSERVICE SETTING \(deploy -c\)\s+TYPE\s+DEFAULT\s+DESCRIPTION\n/);
  expect(human).toMatch(/^canaryTrafficPercent\s+integer/m);
  expect((await ok(cwd, ['model-deployer', 'flavor', 'describe', 'local'])).stdout).toMatch(/\n\n\(no service settings: deploy takes no -c\)\n$/);
  expect((await ok(cwd, ['model-deployer', 'flavor', 'describe', 'record-js'])).stdout).toMatch(/\n\n\(deploy -c: any key, stored as given: the flavor declares no serviceSettingsSchema\)\n$/);
});

test("a flavor's service-setting defaults reach a new server when -c omits the key; an identical deploy still finds it", async () => {
  const cwd = temps.dir('zenml-first-day-');
  writeDotfile(cwd, { version: 1 });
  await ok(cwd, ['model-deployer', 'flavor', 'register', fixture('service-settings-flavor.mjs'), '--allow-outside']);
  await ok(cwd, ['model-deployer', 'register', 'svc', '--flavor', 'svc-settings']);
  const deploy = ['model-deployer', 'deploy', '--deployer', 'svc', '--model-uri', 's3://models/iris', '--model-name', 'iris', '--json'];
  const first = parseJson(await ok(cwd, deploy));
  // The schema says replicas defaults to 1: the flavor stored the config it was given, so the default reached it.
  expect(first.config).toMatchObject({ replicas: 1 });
  expect(first.config).not.toHaveProperty('image');
  const again = parseJson(await ok(cwd, deploy));
  expect(again.uuid).toBe(first.uuid);
  const typed = parseJson(await ok(cwd, [...deploy, '-c', 'replicas=1']));
  expect(typed.uuid).toBe(first.uuid);
  const three = parseJson(await ok(cwd, [...deploy.slice(0, -1), '--model-name', 'wine', '--json', '-c', 'replicas=3']));
  expect(three.config).toMatchObject({ replicas: 3 });
});

test("a custom flavor's --replace through the base class's default update keeps createdAt (docs/custom-flavors.md's flavor)", async () => {
  const cwd = temps.dir('zenml-first-day-');
  const flavor = shellBlocks(path.join(REPO_ROOT, 'docs/custom-flavors.md')).find((b) => b.writeTo === 'flavors/file-flavor.ts');
  expect(flavor).toBeDefined();
  expect(flavor!.body).not.toMatch(/performUpdateModel/); // it relies on the default update
  mkdirSync(path.join(cwd, 'flavors'));
  writeFileSync(path.join(cwd, 'flavors/file-flavor.ts'), flavor!.body);
  writeDotfile(cwd, { version: 1 });
  await ok(cwd, ['model-deployer', 'flavor', 'register', './flavors/file-flavor.ts']);
  await ok(cwd, ['model-deployer', 'register', 'files', '--flavor', 'file']);
  const deploy = (uri: string, ...extra: string[]) =>
    ok(cwd, ['model-deployer', 'deploy', '--deployer', 'files', '--model-uri', uri, '--model-name', 'demo', '--json', ...extra]).then(parseJson);
  const first = await deploy('s3://bucket/model');
  const second = await deploy('s3://bucket/model-v2', '--replace');
  expect(second.uuid).toBe(first.uuid);
  expect(second.modelUri).toBe('s3://bucket/model-v2');
  expect(second.createdAt).toBe(first.createdAt);
  const described = parseJson(await ok(cwd, ['model-deployer', 'describe', first.uuid, '--deployer', 'files', '--json']));
  expect(described.createdAt).toBe(first.createdAt);
  expect(described.updatedAt >= first.updatedAt).toBe(true);
});
