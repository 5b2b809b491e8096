// A zenml killed (kill -9) in the middle of launching a server, through the built binary with real daemons. The test-only
// hooks ZENML_TEST_PAUSE_BEFORE_SPAWN_MS / ZENML_TEST_PAUSE_AFTER_SPAWN_MS hold the launcher just before or just after
// it spawns the server, where the record does not name a server process yet: the kill lands exactly there.
// Killed after the spawn: the server is adopted by the next command (found by its mark), serves, and is deleted with its
// record. Killed before: the record says why it is `error`. A service dir left without a record is removed by the next deploy.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isolatedEnv, killRunningZenml, parseJson, runZenml, writeDotfile, ZENML_BIN, type RunResult } from '../helpers/cli.js';
import { IRIS_V1, killServers, pidAlive, waitUntil } from '../helpers/local-servers.js';
import { TempDirs } from '../helpers/temp.js';

const temps = new TempDirs();
let project: string;
let services: string;

const zenml = (args: string[]): Promise<RunResult> => runZenml(args, { cwd: project, timeoutMs: 40_000 });
async function json<T = any>(args: string[]): Promise<T> {
  const r = await zenml([...args, '--json']);
  if (r.code !== 0) throw new Error(`zenml ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return parseJson<T>(r);
}
const deployArgs = ['model-deployer', 'deploy', '--model-uri', IRIS_V1, '--model-name', 'iris', '--pipeline-name', 'p', '--pipeline-step-name', 's', '--timeout', '60'];

/** The one service dir's file `name`, once it exists. */
function serviceFile(name: string): string | undefined {
  if (!existsSync(services)) return undefined;
  return readdirSync(services).map((d) => path.join(services, d, name)).find((f) => existsSync(f));
}

/** Start `deploy` with a pause hook, wait until `ready` says it sits in the pause, then kill -9 it. Resolves with its pid. */
async function killDeployAt(hook: string, ready: () => boolean): Promise<number> {
  const child = spawn(process.execPath, [ZENML_BIN, ...deployArgs], { cwd: project, env: { ...isolatedEnv(project), [hook]: '60000' }, stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  await waitUntil(`deploy reaches ${hook}`, ready, 30_000);
  child.kill('SIGKILL');
  await exited;
  return child.pid!;
}

beforeEach(() => {
  project = temps.dir('zenml-interrupted-');
  services = path.join(project, 'state', 'services');
  writeDotfile(project, { version: 1, modelDeployers: { default: { flavor: 'local', settings: { stateDir: 'state' } } } });
});

afterEach(() => {
  killRunningZenml();
  killServers(project);
  temps.cleanup();
});

describe('a launch killed half-way', () => {
  it('killed right after the spawn: the next command adopts the server; it serves, an identical deploy returns it, delete stops it', async () => {
    const launcher = await killDeployAt('ZENML_TEST_PAUSE_AFTER_SPAWN_MS', () => serviceFile('server.pid') !== undefined);
    const serverPid = Number(readFileSync(serviceFile('server.pid')!, 'utf8').trim());
    // On disk the record names the dead launcher and no server.
    const record = JSON.parse(readFileSync(serviceFile('service.json')!, 'utf8'));
    expect(record.extra.pid).toBeUndefined();
    expect(record.extra.launcher.pid).toBe(launcher);
    expect(pidAlive(serverPid)).toBe(true);

    let found: any[] = [];
    await waitUntil('find shows the adopted server active', async () => {
      found = await json<any[]>(['model-deployer', 'find']);
      return found[0]?.state === 'active';
    });
    expect(found).toHaveLength(1);
    expect(Number(found[0].info.DAEMON_PID)).toBe(serverPid);
    const adopted = JSON.parse(readFileSync(serviceFile('service.json')!, 'utf8'));
    expect(adopted.extra.pid).toBe(serverPid);
    expect(adopted.extra.launcher).toBeUndefined();

    const answer = await fetch(found[0].predictionUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] }) });
    expect(answer.status).toBe(200);
    // Continuous deployment sees it: no second server for the same model.
    expect((await json(deployArgs)).uuid).toBe(found[0].uuid);

    expect((await zenml(['model-deployer', 'delete', found[0].uuid, '--yes'])).code).toBe(0);
    await waitUntil('the adopted server exits', () => !pidAlive(serverPid));
    expect(readdirSync(services)).toEqual([]);
  });

  it('killed before the spawn: find says error and why; start serves it; delete removes it', async () => {
    const launcher = await killDeployAt('ZENML_TEST_PAUSE_BEFORE_SPAWN_MS', () => serviceFile('service.json') !== undefined);
    expect(serviceFile('server.pid')).toBeUndefined();
    const found = await json<any[]>(['model-deployer', 'find']);
    expect(found).toHaveLength(1);
    expect(found[0].state).toBe('error');
    expect(found[0].lastError).toBe(`the zenml process ${launcher} that was starting this model server exited before it started the server`);
    const started = await json(['model-deployer', 'start', found[0].uuid, '--timeout', '60']);
    expect(started.state).toBe('active');
    const record = JSON.parse(readFileSync(serviceFile('service.json')!, 'utf8'));
    expect(record.extra.launcher).toBeUndefined();
    expect(pidAlive(record.extra.pid)).toBe(true);
    expect((await zenml(['model-deployer', 'delete', found[0].uuid, '--yes'])).code).toBe(0);
    await waitUntil('the started server exits', () => !pidAlive(record.extra.pid));
    expect(readdirSync(services)).toEqual([]);
  });

  it('a service dir without a record is removed by the next deploy; a corrupt record is kept', async () => {
    const abandoned = path.join(services, 'abandoned-1');
    const corrupt = path.join(services, 'corrupt-1');
    mkdirSync(abandoned, { recursive: true });
    writeFileSync(path.join(abandoned, 'server-config.json'), '{}');
    mkdirSync(corrupt, { recursive: true });
    writeFileSync(path.join(corrupt, 'service.json'), '{"half":');
    // find sees both and lists neither (the corrupt one with a warning).
    // With --json too, the warning goes to stderr (stdout stays the JSON), as the README promises.
    const listed = await zenml(['model-deployer', 'find', '--json']);
    expect(parseJson(listed)).toEqual([]);
    expect(listed.stderr).toMatch(/^warning: .*corrupt-1\/service\.json: corrupt service record skipped/m);
    expect((await zenml(['model-deployer', 'find', '-q'])).stderr).toBe('');
    // Without --json: the note goes to stderr with the other progress lines.
    const deployed = await zenml(deployArgs);
    expect(deployed.code).toBe(0);
    expect(deployed.stderr).toContain('removed 1 service dir(s) a killed deploy left without a record');
    expect(existsSync(abandoned)).toBe(false);
    expect(readFileSync(path.join(corrupt, 'service.json'), 'utf8')).toBe('{"half":');
  });
});
