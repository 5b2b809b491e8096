// Issue 21, "what a new user meets": each promise the README and docs/ make that the binary did not keep, checked
// through the built `zenml` binary as a user types it (real model servers on 127.0.0.1, real dotfiles in temp dirs).
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, fixture, killRunningZenml, parseJson, readDotfile, runZenml, writeDotfile, type RunResult } from '../helpers/cli.js';
import { IRIS_V1, killServers } from '../helpers/local-servers.js';
import { TempDirs } from '../helpers/temp.js';

const PACKAGE_VERSION: string = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version;
const temps = new TempDirs();
/** A project with one running iris server, shared by the server rows. */
let shared: string;
let served: { uuid: string; info: Record<string, string> };

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
