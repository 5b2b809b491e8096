// The `local` flavor's lifecycle promises, through the built binary with real servers on 127.0.0.1:
// deploy --timeout 0, logs --tail/--follow, stop --yes on a server that ignores SIGTERM, deleting a
// component that still has servers, --replace moving the served version, identical and several
// matching configs, start refusing a port another process took, authToken, and JSON/colour on a real TTY.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { ZENML_BIN, isolatedEnv, killRunningZenml, lines, parseJson, runZenml, writeDotfile, type RunResult } from '../helpers/cli.js';
import { IRIS_V1, IRIS_V2, instanceAnswers, instanceIdOf, killServers, pidAlive, waitUntil } from '../helpers/local-servers.js';
import { TempDirs } from '../helpers/temp.js';

const temps = new TempDirs();
const children = new Set<ChildProcess>();
const blockers = new Set<Server>();
let project: string;

function zenml(args: string[], env?: Record<string, string | undefined>): Promise<RunResult> {
  return runZenml(args, { cwd: project, env, timeoutMs: 40_000 }); // below jest's 60 s: a hung run fails with its output, not a jest timeout
}

async function ok(args: string[], env?: Record<string, string | undefined>): Promise<RunResult> {
  const r = await zenml(args, env);
  if (r.code !== 0) throw new Error(`zenml ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

async function json<T = any>(args: string[], env?: Record<string, string | undefined>): Promise<T> {
  return parseJson<T>(await ok([...args, '--json'], env));
}

/** A deploy of iris under its own pipeline/step/model name (so tests never share a server). */
function deployArgs(model: string, ...extra: string[]): string[] {
  return ['model-deployer', 'deploy', '--model-uri', IRIS_V1, '--model-name', model, '--pipeline-name', 'p', '--pipeline-step-name', 's', '--timeout', '60', ...extra];
}

const portOf = (url: string) => Number(new URL(url).port);

beforeEach(() => {
  project = temps.dir('zenml-e2e-lifecycle-');
  writeDotfile(project, { version: 1 });
});

afterEach(async () => {
  for (const child of children) if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
  children.clear();
  for (const server of blockers) await new Promise((r) => server.close(r));
  blockers.clear();
  killRunningZenml();
  for (const dir of temps.list()) killServers(dir);
  temps.cleanup();
});

describe('deploy --timeout 0 and logs', () => {
  it('returns pending_startup at once; a later describe shows active', async () => {
    const pending = await json(deployArgs('t0', '--timeout', '0'));
    expect(pending.state).toBe('pending_startup');
    let state = '';
    await waitUntil('the server deployed with --timeout 0 shows active', async () => {
      state = (await json(['model-deployer', 'describe', pending.uuid])).state;
      return state === 'active';
    });
    expect(state).toBe('active');
  });

  it('logs --tail 3 prints exactly the last 3 lines of the log', async () => {
    const service = await json(deployArgs('tail'));
    // Two swaps: five lines in all, so the last three are not the whole log.
    for (const uri of [IRIS_V2, IRIS_V1]) await ok([...deployArgs('tail', '--replace'), '--model-uri', uri]);
    const all = lines(readFileSync(service.info.LOG_FILE, 'utf8'));
    expect(all.length).toBeGreaterThan(3);
    const r = await ok(['model-deployer', 'logs', service.uuid, '--tail', '3']);
    expect(r.stdout.split('\n').slice(0, -1)).toEqual(all.slice(-3));
    expect(all.slice(-3)[0]).toMatch(/listening on/);
  });

  it('logs --follow --json prints one object per new line while swaps arrive, until a signal ends it', async () => {
    const service = await json(deployArgs('follow'));
    const child = spawn(process.execPath, [ZENML_BIN, 'model-deployer', 'logs', service.uuid, '--follow', '--json', '--tail', '1'], {
      cwd: project,
      env: isolatedEnv(project),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // The follower is reading once the last line so far (--tail 1) is out; a swap before that could be missed.
    await waitUntil('logs --follow printed the last line so far', () => lines(out).length >= 1);
    // Each --replace is a request to the server that logs one `swapped model …` line.
    for (const uri of [IRIS_V2, IRIS_V1, IRIS_V2]) {
      const before = lines(out).length;
      await ok([...deployArgs('follow', '--replace'), '--model-uri', uri]);
      await waitUntil('the swap line reached logs --follow', () => lines(out).length > before);
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const objects = lines(out).map((l) => JSON.parse(l) as { line: string });
    expect(objects.map((o) => Object.keys(o))).toEqual(objects.map(() => ['line']));
    expect(objects[0]!.line).toMatch(/\[zenml\] listening on /);
    expect(objects.slice(1).map((o) => o.line.replace(/^\S+ \[zenml\] /, '').replace(/ in \d+ ms$/, ''))).toEqual([
      'swapped model follow 1 -> 2',
      'swapped model follow 2 -> 3',
      'swapped model follow 3 -> 4',
    ]);
  });
});

describe('stop', () => {
  it('--yes kills a server that ignores SIGTERM; without --yes the stop times out (exit 4) and it keeps running', async () => {
    // ZENML_TEST_SERVER_IGNORE_SIGTERM is a test-only hook read by the model server entry; it reaches the server only
    // when ZENML_TEST_DAEMON_ENV names it. Left in the environment alone, it does not stick to the server.
    const stray = await json(deployArgs('stray'), { ZENML_TEST_SERVER_IGNORE_SIGTERM: '1' });
    expect(readFileSync(`/proc/${stray.info.DAEMON_PID}/environ`, 'utf8')).not.toContain('ZENML_TEST_');
    expect((await json(['model-deployer', 'stop', stray.uuid, '--timeout', '20'])).state).toBe('inactive');
    const service = await json(deployArgs('stubborn'), { ZENML_TEST_SERVER_IGNORE_SIGTERM: '1', ZENML_TEST_DAEMON_ENV: 'ZENML_TEST_SERVER_IGNORE_SIGTERM' });
    const pid = Number(service.info.DAEMON_PID);
    const port = portOf(service.predictionUrl);
    const instance = instanceIdOf(service);
    expect(await instanceAnswers(port, instance)).toBe(true);

    const refused = await zenml(['model-deployer', 'stop', service.uuid, '--timeout', '1']);
    expect(refused.code).toBe(4);
    expect(lines(refused.stderr)[0]).toMatch(/^zenml: error: process \d+ .*did not exit within 1s of SIGTERM$/);
    expect(pidAlive(pid)).toBe(true);
    expect(readFileSync(service.info.LOG_FILE, 'utf8')).toContain('ignoring SIGTERM');

    const killed = await json(['model-deployer', 'stop', service.uuid, '--timeout', '1', '--yes']);
    expect(killed.state).toBe('inactive');
    expect(pidAlive(pid)).toBe(false);
    expect(await instanceAnswers(port, instance)).toBe(false);
  });
});

describe('deleting a deployer component that still has model servers', () => {
  it('is refused with exit 2 listing them; the server keeps running and the component stays', async () => {
    await ok(['model-deployer', 'register', 'comp', '--flavor', 'local']);
    const service = await json([...deployArgs('owned'), '--deployer', 'comp']);
    const refused = await zenml(['model-deployer', 'delete', 'comp']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(lines(refused.stderr)[0]).toBe(`zenml: error: model deployer 'comp' still has 1 model server(s): ${service.uuid}`);
    expect(lines(refused.stderr)[1]).toMatch(/--force/);
    expect(pidAlive(Number(service.info.DAEMON_PID))).toBe(true);
    expect((await ok(['model-deployer', 'list', '-q'])).stdout).toContain('comp\n');
    const asJson = await zenml(['model-deployer', 'delete', 'comp', '--json']);
    expect(parseJson(asJson).error).toMatchObject({ code: 'USAGE', exitCode: 2, details: { servers: [service.uuid] } });
  });

  it('with --force stops and deletes them first: process gone, port freed, component gone', async () => {
    await ok(['model-deployer', 'register', 'comp', '--flavor', 'local']);
    const service = await json([...deployArgs('owned'), '--deployer', 'comp']);
    const pid = Number(service.info.DAEMON_PID);
    const port = portOf(service.predictionUrl);
    const instance = instanceIdOf(service);
    const deleted = await json(['model-deployer', 'delete', 'comp', '--force']);
    expect(deleted).toEqual({ name: 'comp', deleted: true, deletedServers: [service.uuid], orphaned: false });
    expect(pidAlive(pid)).toBe(false);
    expect(await instanceAnswers(port, instance)).toBe(false);
    expect((await ok(['model-deployer', 'list', '-q'])).stdout).toBe('default\n');
  });
});

describe('deploy --replace shows what changed', () => {
  it('the URI and a served version that moves with each swap, unless --model-version pins it', async () => {
    const first = await json(deployArgs('iris'));
    expect(first.info.MODEL_VERSION).toBe('1');
    const swapped = await zenml([...deployArgs('iris', '--replace'), '--model-uri', IRIS_V2]);
    expect(swapped.code).toBe(0);
    expect(swapped.stderr).toContain(`model server ${first.uuid} swapped iris version 1 -> 2, ${IRIS_V1} -> ${IRIS_V2}`);
    const described = await ok(['model-deployer', 'describe', first.uuid]);
    expect(described.stdout).toMatch(/^model version:\s+2$/m);
    expect(described.stdout).toMatch(new RegExp(`^model uri:\\s+${IRIS_V2.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));

    const pinned = await json([...deployArgs('iris', '--replace', '--model-version', 'v9'), '--model-uri', IRIS_V1]);
    expect(pinned.uuid).toBe(first.uuid);
    expect(pinned.info.MODEL_VERSION).toBe('v9');
    expect(pinned.modelVersion).toBe('v9');

    const log = readFileSync(first.info.LOG_FILE, 'utf8');
    expect(log).toMatch(/swapped model iris 1 -> 2 in/);
    expect(log).toMatch(/swapped model iris 2 -> v9 in/);
    expect(log).not.toMatch(/swapped model iris (\S+) -> \1 /);
  });
});

describe('identical and several matching configs', () => {
  it('an identical config returns the running server; once it is stopped, a new one starts', async () => {
    const first = await json(deployArgs('same'));
    // Human form: progress notes go to stderr (--json and -q keep them silent).
    const again = await zenml(deployArgs('same'));
    expect(again.stdout).toMatch(new RegExp(`^uuid:\\s+${first.uuid}$`, 'm'));
    expect(again.stderr).toContain(`an identical model server is already running: ${first.uuid}`);

    await ok(['model-deployer', 'stop', first.uuid]);
    const fresh = await json(deployArgs('same'));
    expect(fresh.uuid).not.toBe(first.uuid);
    expect(fresh.state).toBe('active');
    const states = (await json<any[]>(['model-deployer', 'find', '-m', 'same'])).map((s) => [s.uuid, s.state]);
    expect(states.sort()).toEqual([[first.uuid, 'inactive'], [fresh.uuid, 'active']].sort());
  });

  it('--replace with several matching servers updates the running one, even when a stopped one is newer', async () => {
    const running = await json(deployArgs('many', '--description', 'one'));
    const newer = await json(deployArgs('many', '--description', 'two'));
    await ok(['model-deployer', 'stop', newer.uuid]); // stopped last: the most recently updated record
    const replaced = await zenml([...deployArgs('many', '--replace'), '--model-uri', IRIS_V2]);
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toMatch(new RegExp(`^uuid:\\s+${running.uuid}$`, 'm'));
    expect(replaced.stderr).toContain(`2 model servers serve this model; updating ${running.uuid}`);
    expect((await json(['model-deployer', 'describe', newer.uuid])).state).toBe('inactive');
  });
});

describe('start', () => {
  it('refuses when another process took the old port: clear error, record unchanged, nothing spawned; starts once it is freed', async () => {
    const service = await json(deployArgs('stolen'));
    const oldPort = portOf(service.predictionUrl);
    await ok(['model-deployer', 'stop', service.uuid]);
    const servicePath: string = service.info.SERVICE_PATH;
    const recordPath = `${servicePath}/service.json`;
    const recordBefore = readFileSync(recordPath, 'utf8');
    const filesBefore = readdirSync(servicePath).sort();
    const logBefore = readFileSync(service.info.LOG_FILE, 'utf8');
    const blocker = createServer();
    blockers.add(blocker);
    await new Promise<void>((resolve, reject) => blocker.once('error', reject).listen(oldPort, '127.0.0.1', () => resolve()));

    const started = await zenml(['model-deployer', 'start', service.uuid]);
    expect(started.code).toBe(1); // as a deploy to a taken port (ServerError)
    expect(started.stderr).toContain(`port ${oldPort} on 127.0.0.1 is already in use (by another process); free it, or redeploy with --replace to pick a new port`);
    expect(started.stderr).not.toContain('starting it on port');
    // Nothing half-created: the record, the files and the log as they were, no daemon.
    expect(readFileSync(recordPath, 'utf8')).toBe(recordBefore);
    expect(readdirSync(servicePath).sort()).toEqual(filesBefore);
    expect(readFileSync(service.info.LOG_FILE, 'utf8')).toBe(logBefore);
    const found = (await json<any[]>(['model-deployer', 'find'])).find((s) => s.uuid === service.uuid);
    expect(found.state).toBe('inactive');
    expect(JSON.parse(recordBefore).status.state).toBe('inactive');
    expect(readFileSync(recordPath, 'utf8')).toContain(`${oldPort}`);

    await new Promise((r) => blocker.close(r));
    blockers.delete(blocker);
    const restarted = await zenml(['model-deployer', 'start', service.uuid]);
    expect(restarted.code).toBe(0);
    const view = await json(['model-deployer', 'describe', service.uuid]);
    expect(view.state).toBe('active');
    expect(portOf(view.predictionUrl)).toBe(oldPort);
    const answer = await fetch(view.predictionUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] }) });
    expect(answer.status).toBe(200);
  });

  it('deploy --replace, as the error suggests, moves a stopped server whose port was taken, and says so', async () => {
    const service = await json(deployArgs('moved'));
    const oldPort = portOf(service.predictionUrl);
    await ok(['model-deployer', 'stop', service.uuid]);
    const blocker = createServer();
    blockers.add(blocker);
    await new Promise<void>((resolve, reject) => blocker.once('error', reject).listen(oldPort, '127.0.0.1', () => resolve()));

    const replaced = await zenml([...deployArgs('moved', '--replace'), '--model-uri', IRIS_V2]);
    expect(replaced.code).toBe(0);
    const view = await json(['model-deployer', 'describe', service.uuid]);
    const newPort = portOf(view.predictionUrl);
    expect(view.state).toBe('active');
    expect(newPort).not.toBe(oldPort);
    expect(replaced.stderr).toContain(`port ${oldPort} of model server ${service.uuid} is in use; starting it on port ${newPort}`);
  });
});

describe('the local flavor authToken, end to end', () => {
  const TOKEN = 's3cret-token-for-the-test';

  it('401 without the token, 200 with it; describe, find --json and errors never print it', async () => {
    await ok(['model-deployer', 'register', 'secure', '--flavor', 'local', '--auth-token', TOKEN]);
    const service = await json([...deployArgs('guarded'), '--deployer', 'secure']);
    const body = JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] });
    const post = (headers: Record<string, string>) => fetch(service.predictionUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post({ authorization: `Bearer ${TOKEN}` })).status).toBe(200);

    const outputs = [
      await zenml(['model-deployer', 'deploy', ...deployArgs('guarded').slice(2), '--deployer', 'secure']),
      await zenml(['model-deployer', 'describe', service.uuid, '--deployer', 'secure']),
      await zenml(['model-deployer', 'describe', service.uuid, '--deployer', 'secure', '--json']),
      await zenml(['model-deployer', 'find', '--deployer', 'secure', '--json']),
      await zenml(['model-deployer', 'find', '--deployer', 'secure']),
      await zenml(['model-deployer', 'logs', service.uuid, '--deployer', 'secure']),
      // errors: an unknown uuid, and a deploy that times out (its error quotes the server log)
      await zenml(['model-deployer', 'stop', '00000000-0000-4000-8000-000000000000', '--deployer', 'secure', '--json']),
      await zenml([...deployArgs('guarded-late', '--timeout', '0.01'), '--deployer', 'secure']),
      await zenml([...deployArgs('guarded-late', '--timeout', '0.01'), '--deployer', 'secure', '--json']),
    ];
    expect(outputs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0, 3, 4, 4]);
    for (const r of outputs) expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });
});

describe('on a real terminal (script(1) gives the CLI a pty)', () => {
  /** Run zenml under `script -q -c`, so stdout is a TTY; colour variables unset so only the TTY decides. */
  function onTty(args: string[]): Promise<string> {
    const env = isolatedEnv(project);
    delete env.NO_COLOR;
    delete env.FORCE_COLOR;
    const command = [process.execPath, ZENML_BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    return new Promise((resolve, reject) => {
      const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      const timer = setTimeout(() => reject(new Error(`script -c ${command} did not finish in 40 s:\n${out}`)), 40_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(out.replace(/\r\n/g, '\n'));
        else reject(new Error(`script -c ${command} exited ${code}:\n${out}`));
      });
    });
  }

  it('JSON is indented on a TTY and one line when piped', async () => {
    const tty = await onTty(['stack', 'describe', '--json']);
    expect(tty).toBe(`${JSON.stringify({ name: 'default', modelDeployer: 'default', active: true }, null, 2)}\n`);
    const piped = await ok(['stack', 'describe', '--json']);
    expect(piped.stdout).toBe(`${JSON.stringify({ name: 'default', modelDeployer: 'default', active: true })}\n`);
  });

  it('colour on a TTY; none when piped, nor with --no-color on a TTY', async () => {
    const ANSI = /\u001b\[\d+m/;
    expect(await onTty(['model-deployer', 'list'])).toMatch(ANSI);
    expect(await onTty(['--no-color', 'model-deployer', 'list'])).not.toMatch(ANSI);
    const piped = await zenml(['model-deployer', 'list'], { NO_COLOR: undefined, FORCE_COLOR: undefined });
    expect(piped.stdout).toContain('default');
    expect(piped.stdout).not.toMatch(ANSI);
  });
});
