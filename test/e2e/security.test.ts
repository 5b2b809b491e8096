// Security promises, through the built binary with a real server on 127.0.0.1: state dirs 0700 and
// token files 0600 (also when they were looser before); the bearer token and the admin token in no
// output of a whole session (human and --json), no log and no file but the ones that must hold them;
// authToken as an {"env": …} reference; flavor register outside the dotfile's folder.
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fixture, killRunningZenml, parseJson, readDotfile, runZenml, writeDotfile, type RunResult } from '../helpers/cli.js';
import { IRIS_V1, killServers } from '../helpers/local-servers.js';
import { TempDirs } from '../helpers/temp.js';

const temps = new TempDirs();
let project: string;
const outputs: Array<{ args: string[]; result: RunResult }> = [];

function zenml(args: string[], env?: Record<string, string | undefined>): Promise<RunResult> {
  return runZenml(args, { cwd: project, env, timeoutMs: 40_000 }).then((result) => {
    outputs.push({ args, result });
    return result;
  });
}

async function ok(args: string[], env?: Record<string, string | undefined>): Promise<RunResult> {
  const r = await zenml(args, env);
  if (r.code !== 0) throw new Error(`zenml ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

const mode = (file: string) => statSync(file).mode & 0o777;

/** Every file and folder under `dir`. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? [full, ...walk(full)] : [full];
  });
}

beforeEach(() => {
  project = temps.dir('zenml-e2e-security-');
  outputs.length = 0;
});

afterEach(() => {
  killRunningZenml();
  for (const dir of temps.list()) killServers(dir);
  temps.cleanup();
});

describe('a whole session with authToken', () => {
  const TOKEN = 'user-token-3f9a1c7e5b2d';

  it('state dirs 0700, token files 0600, and neither token in any output, log or other file', async () => {
    await ok(['init']);
    await ok(['model-deployer', 'register', 'sec', '--flavor', 'local', '--auth-token', TOKEN]);
    await ok(['stack', 'register', 's', '-d', 'sec', '--set']);
    const deploy = ['model-deployer', 'deploy', '--model-uri', IRIS_V1, '--model-name', 'iris', '--pipeline-name', 'p', '--pipeline-step-name', 's', '--timeout', '60'];
    const service = parseJson(await ok([...deploy, '--json']));
    const uuid: string = service.uuid;

    const stateDir = path.join(project, '.zenml', 'deployers', 'sec');
    const serviceDir = path.join(stateDir, 'services', uuid);
    const serverConfig = path.join(serviceDir, 'server-config.json');
    const record = path.join(serviceDir, 'service.json');
    for (const dir of [stateDir, path.join(stateDir, 'services'), serviceDir]) expect([dir, mode(dir).toString(8)]).toEqual([dir, '700']);
    expect(mode(serverConfig).toString(8)).toBe('600');
    expect(mode(record).toString(8)).toBe('600');
    const adminToken: string = JSON.parse(readFileSync(serverConfig, 'utf8')).adminToken;
    expect(adminToken.length).toBeGreaterThanOrEqual(32);

    const predict = ['model-deployer', 'predict', uuid, '--data', JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] })];
    for (const json of [[], ['--json']]) {
      await ok(['model-deployer', 'find', ...json]);
      await ok(['model-deployer', 'describe', uuid, ...json]);
      await ok(['model-deployer', 'describe', 'sec', ...json]);
      await ok(['model-deployer', 'describe', ...json]);
      await ok(['model-deployer', 'list', ...json]);
      await ok(['stack', 'describe', 's', ...json]);
      await ok(['model-deployer', 'logs', uuid, ...json]);
      await ok([...predict, ...json]);
      await ok([...deploy, '--replace', ...json]);
      await ok(['model-deployer', 'stop', uuid, ...json]);
      // Loosened by hand (or by an older version): the next start tightens them again.
      chmodSync(serverConfig, 0o644);
      chmodSync(serviceDir, 0o755);
      await ok(['model-deployer', 'start', uuid, ...json]);
      expect(mode(serverConfig).toString(8)).toBe('600');
      expect(mode(serviceDir).toString(8)).toBe('700');
      await ok(['model-deployer', 'update', 'sec', '--workers', '1', ...json]);
      // Failing commands: a bad request to the server, an unknown uuid, a bad setting, a server that cannot start in time.
      expect((await zenml(['model-deployer', 'predict', uuid, '--data', '{"inputs": "nope"}', ...json])).code).toBe(2);
      expect((await zenml(['model-deployer', 'describe', '00000000-0000-4000-8000-000000000000', ...json])).code).toBe(3);
      expect((await zenml(['model-deployer', 'update', 'sec', '--auth-token', '', ...json])).code).toBe(2);
      // A model name per pass: the first pass's server keeps starting after its timeout, and an identical deploy
      // of a server that is up by then returns it with exit 0 (seen once in CI).
      expect((await zenml([...deploy.slice(0, -2), '--model-name', `late-${json.length}`, '--timeout', '0.01', ...json])).code).toBe(4);
    }
    // The human describe shows that a token is set, not the token.
    const described = outputs.find((o) => o.args.join(' ') === 'model-deployer describe sec')!.result.stdout;
    expect(described).toMatch(/^settings\.authToken:\s+\*\*\*$/m);
    const logText = readFileSync(path.join(serviceDir, 'server.log'), 'utf8');
    expect(logText).toContain('[zenml] starting model server');
    await ok(['model-deployer', 'delete', uuid]);
    await ok(['model-deployer', 'delete', uuid, '--json']).catch(() => undefined);

    expect(outputs.length).toBe(38);
    for (const { args, result } of outputs) {
      for (const secret of [TOKEN, adminToken]) {
        expect({ args, leaked: (result.stdout + result.stderr).includes(secret) }).toEqual({ args, leaked: false });
      }
    }
    expect(logText).not.toContain(TOKEN);
    expect(logText).not.toContain(adminToken);
    // Every file left in the project: only the dotfile holds the user's token (it was written there).
    for (const file of walk(project).filter((f) => statSync(f).isFile())) {
      const text = readFileSync(file, 'utf8');
      if (file !== path.join(project, '.zenmlrc.json')) expect({ file, leaked: text.includes(TOKEN) }).toEqual({ file, leaked: false });
      expect({ file, leaked: text.includes(adminToken) }).toEqual({ file, leaked: false });
    }
  }, 240_000);
});

describe('authToken from an environment variable', () => {
  const TOKEN = 'env-token-8c1d2e4f6a';

  it('--auth-token-env writes {"env": …}; the server requires the variable\'s value; unset is exit 2 naming key and variable', async () => {
    writeDotfile(project, { version: 1 });
    await ok(['model-deployer', 'register', 'envd', '--flavor', 'local', '--auth-token-env', 'ZENML_TEST_TOKEN']);
    expect(readDotfile(project).modelDeployers.envd.settings).toEqual({ authToken: { env: 'ZENML_TEST_TOKEN' } });
    const shown = parseJson(await ok(['model-deployer', 'describe', 'envd', '--json']));
    expect(shown.settings.authToken).toEqual({ env: 'ZENML_TEST_TOKEN' });

    const deploy = ['model-deployer', 'deploy', '--model-uri', IRIS_V1, '--deployer', 'envd', '--timeout', '60'];
    const missing = await zenml(deploy, { ZENML_TEST_TOKEN: undefined });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/modelDeployers\.envd\.settings\.authToken: environment variable ZENML_TEST_TOKEN is not set/);
    const missingJson = parseJson(await zenml([...deploy, '--json'], { ZENML_TEST_TOKEN: undefined }));
    expect(missingJson.error).toMatchObject({ code: 'CONFIG', exitCode: 2, details: { variable: 'ZENML_TEST_TOKEN' } });
    expect((await ok(['model-deployer', 'find', '--deployer', 'envd', '-q'], { ZENML_TEST_TOKEN: undefined })).stdout).toBe('');

    const service = parseJson(await ok([...deploy, '--json'], { ZENML_TEST_TOKEN: TOKEN }));
    const body = JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] });
    const post = (headers: Record<string, string>) => fetch(service.predictionUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    // predict sends the variable's value; without it, a clear error before any request.
    expect((await zenml(['model-deployer', 'predict', service.uuid, '--deployer', 'envd', '--data', body], { ZENML_TEST_TOKEN: TOKEN })).code).toBe(0);
    expect((await zenml(['model-deployer', 'predict', service.uuid, '--deployer', 'envd', '--data', body], { ZENML_TEST_TOKEN: undefined })).code).toBe(2);
    expect(readFileSync(path.join(project, '.zenmlrc.json'), 'utf8')).not.toContain(TOKEN);
    for (const { result } of outputs) expect(result.stdout + result.stderr).not.toContain(TOKEN);
  }, 120_000);

  it('a dotfile is made 0600 when a write leaves a literal token in it; with only references it keeps its mode', async () => {
    const dotfile = writeDotfile(project, { version: 1 });
    chmodSync(dotfile, 0o644);
    await ok(['model-deployer', 'register', 'envd', '--flavor', 'local', '--auth-token-env', 'ZENML_TEST_TOKEN']);
    expect(mode(dotfile)).toBe(0o644);
    await ok(['model-deployer', 'register', 'lit', '--flavor', 'local', '--auth-token', TOKEN]);
    expect(mode(dotfile)).toBe(0o600);
    // Loosened by hand: the next write tightens it again while the literal token is there.
    chmodSync(dotfile, 0o644);
    await ok(['stack', 'register', 's', '-d', 'lit']);
    expect(mode(dotfile)).toBe(0o600);
    expect(readDotfile(project).modelDeployers.lit.settings.authToken).toBe(TOKEN);
  });

  it('a dotfile with a malformed reference fails validation with the accepted forms', async () => {
    writeDotfile(project, { version: 1, modelDeployers: { bad: { flavor: 'local', settings: { authToken: { env: 'has space' } } } } });
    const r = await zenml(['model-deployer', 'list']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('modelDeployers.bad.settings.authToken');
  });
});

describe('flavor register outside the dotfile folder', () => {
  it('exits 2 with a hint and writes nothing without --allow-outside; registers with it', async () => {
    writeDotfile(project, { version: 1 });
    const before = readFileSync(path.join(project, '.zenmlrc.json'), 'utf8');
    // A file that would leave a trace if it were imported.
    const marker = path.join(project, 'imported');
    const outside = path.join(temps.dir('zenml-outside-'), 'evil.mjs');
    writeFileSync(outside, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'x');\nexport default class {}\n`);
    const r = await zenml(['model-deployer', 'flavor', 'register', outside]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^zenml: error: .*evil\.mjs is outside the dotfile's folder/);
    expect(r.stderr).toMatch(/^hint: .*--allow-outside/m);
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(path.join(project, '.zenmlrc.json'), 'utf8')).toBe(before);
    expect((await zenml(['model-deployer', 'flavor', 'register', fixture('record-flavor.mjs'), '--allow-outside'])).code).toBe(0);
  });
});
