// Process supervision with real processes and ports: detached spawn, identity (pid + start time), stop, health, logs.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  findFreePort,
  followLines,
  isAlive,
  isPortFree,
  spawnDaemon,
  stopProcess,
  tailLines,
  waitForHealthy,
  type ProcessIdentity,
} from '../../src/services/daemon.js';
import { EnvironmentError, ServerError, TimeoutError } from '../../src/errors.js';
import { waitFor, within } from '../helpers/wait.js';

let dir: string;
const started: number[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'zenml-daemon-'));
});
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

async function spawnNode(script: string): Promise<ProcessIdentity> {
  const identity = await spawnDaemon({
    command: process.execPath,
    args: ['-e', script],
    logPath: path.join(dir, 'out.log'),
    pidPath: path.join(dir, 'out.pid'),
  });
  started.push(identity.pid);
  return identity;
}

async function waitForLog(text: string): Promise<void> {
  const log = path.join(dir, 'out.log');
  await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes(text), { message: `${log} never contained ${JSON.stringify(text)}` });
}

test('spawns detached with output in the log, a pid file and a live identity; SIGTERM stops it', async () => {
  const identity = await spawnNode(
    "console.log('hello from the daemon'); process.on('SIGTERM', () => { console.log('draining'); process.exit(0); }); setInterval(() => {}, 1000);",
  );
  expect(identity.startTime).not.toBe('');
  expect(readFileSync(path.join(dir, 'out.pid'), 'utf8')).toBe(`${identity.pid}\n`);
  await waitForLog('hello from the daemon');
  expect(await isAlive(identity)).toBe(true);
  expect(await stopProcess(identity, 10, false)).toBe('exited');
  expect(await isAlive(identity)).toBe(false);
  expect(readFileSync(path.join(dir, 'out.log'), 'utf8')).toContain('draining');
  expect(await stopProcess(identity, 10, false)).toBe('not-running');
});

test('the test-only ZENML_TEST_* switches reach a daemon only when ZENML_TEST_DAEMON_ENV names them', async () => {
  const identity = await spawnDaemon({
    command: process.execPath,
    args: ['-e', 'setInterval(() => {}, 1000);'],
    env: { PATH: process.env.PATH, KEPT: 'yes', ZENML_TEST_STRAY: '1', ZENML_TEST_ASKED: '2', ZENML_TEST_DAEMON_ENV: 'ZENML_TEST_OTHER, ZENML_TEST_ASKED' },
    logPath: path.join(dir, 'out.log'),
  });
  started.push(identity.pid);
  const environ = readFileSync(`/proc/${identity.pid}/environ`, 'utf8').split('\0').filter((v) => v !== '');
  expect(environ.filter((v) => v.startsWith('ZENML_TEST_') || v.startsWith('KEPT='))).toEqual(['KEPT=yes', 'ZENML_TEST_ASKED=2']);
});

test('a reused pid (same pid, other start time) is reported dead and never signalled', async () => {
  const identity = await spawnNode("process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);");
  const impostor = { pid: identity.pid, startTime: `${identity.startTime}0` };
  expect(await isAlive(impostor)).toBe(false);
  expect(await stopProcess(impostor, 1, true)).toBe('not-running');
  expect(await isAlive(identity)).toBe(true); // untouched, SIGKILL included
  expect(await isAlive({ pid: identity.pid, startTime: '' })).toBe(false);
});

test('a process ignoring SIGTERM: TimeoutError without force, SIGKILL with force', async () => {
  const identity = await spawnNode("process.on('SIGTERM', () => console.log('ignored')); setInterval(() => {}, 1000); console.log('ready');");
  await waitForLog('ready');
  await expect(stopProcess(identity, 0.3, false)).rejects.toBeInstanceOf(TimeoutError);
  expect(await isAlive(identity)).toBe(true);
  expect(await stopProcess(identity, 0.3, true)).toBe('killed');
  expect(await isAlive(identity)).toBe(false);
});

test('a command that cannot run is an EnvironmentError', async () => {
  await expect(
    spawnDaemon({ command: path.join(dir, 'no-such-program'), args: [], logPath: path.join(dir, 'x.log') }),
  ).rejects.toBeInstanceOf(EnvironmentError);
});

test('isPortFree and findFreePort', async () => {
  const port = await findFreePort('127.0.0.1');
  expect(await isPortFree('127.0.0.1', port)).toBe(true);
  const server = createServer();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  try {
    expect(await isPortFree('127.0.0.1', port)).toBe(false);
  } finally {
    await new Promise((r) => server.close(r));
  }
  expect(await isPortFree('127.0.0.1', port)).toBe(true);
});

describe('waitForHealthy', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await new Promise((r) => server!.close(r));
    server = undefined;
  });

  async function serve(header: string): Promise<string> {
    server = createServer((_req, res) => {
      res.setHeader('X-Zenml-Instance', header);
      res.end('ok');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const address = server.address() as { port: number };
    return `http://127.0.0.1:${address.port}/v2/health/ready`;
  }

  test('resolves on 200 with the expected header', async () => {
    const url = await serve('abc');
    await waitForHealthy(url, { expectHeader: { name: 'X-Zenml-Instance', value: 'abc' }, timeoutS: 5 });
  });

  test('another instance on the port does not count: TimeoutError quoting the log', async () => {
    const url = await serve('someone-else');
    const logPath = path.join(dir, 'w.log');
    writeFileSync(logPath, 'line one\nline two\n');
    const error = await waitForHealthy(url, {
      expectHeader: { name: 'X-Zenml-Instance', value: 'abc' },
      timeoutS: 0.3,
      logPath,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toContain('line two');
  });

  test('fails fast with ServerError and the last log lines when the process exits', async () => {
    const identity = await spawnNode("console.error('boom: cannot load model'); process.exit(3);");
    const port = await findFreePort('127.0.0.1');
    const error = await waitForHealthy(`http://127.0.0.1:${port}/`, {
      timeoutS: 60,
      processIdentity: identity,
      logPath: path.join(dir, 'out.log'),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as Error).message).toContain('boom: cannot load model');
  });
});

describe('log helpers', () => {
  test('tailLines reads the last lines, across chunk boundaries, and [] for a missing file', async () => {
    const file = path.join(dir, 'big.log');
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    expect(await tailLines(file, 3)).toEqual(lines.slice(-3));
    expect(await tailLines(file, 3000)).toEqual(lines.slice(-3000));
    expect(await tailLines(file, Infinity)).toEqual(lines);
    expect(await tailLines(path.join(dir, 'missing.log'), 5)).toEqual([]);
    writeFileSync(file, 'a\nb\npartial');
    expect(await tailLines(file, 2)).toEqual(['b', 'partial']);
  });

  test('followLines yields appended lines (joining partial writes) until aborted', async () => {
    const file = path.join(dir, 'follow.log');
    writeFileSync(file, 'old line\n');
    const controller = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const line of followLines(file, { signal: controller.signal, intervalMs: 20, from: 'old line\n'.length })) {
        seen.push(line);
        if (seen.length === 3) controller.abort();
      }
    })();
    appendFileSync(file, 'first\nsec');
    await sleep(60);
    appendFileSync(file, 'ond\nthird\n');
    await within(reading, 15_000, `following ${file} (seen so far: ${JSON.stringify(seen)})`).finally(() => controller.abort());
    expect(seen).toEqual(['first', 'second', 'third']);
  });
});
