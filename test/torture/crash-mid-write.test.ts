// Crashes mid-write: `kill -9` of the built `zenml` binary while it holds a lock and is half-way through writing a file,
// across every kind of write: the dotfile (register, update, stack register/set, flavor register) and the service
// records and index (deploy, stop, delete with the `local` flavor, real daemons). The test-only hook
// ZENML_TEST_HOLD_LOCK_MS makes the writer sleep half-way through its temp file while it holds the lock; the test waits
// until that temp file (named with the child's pid) exists, so every kill lands inside the write window.
// After each kill: the dotfile and every service record parse, `find` lists exactly the records on disk, the next write
// takes the dead lock over at once — timed from the start of the zenml run that takes it over (node's start-up
// included) to the moment the dead writer's lock is gone, within TAKEOVER_BOUND_MS (the stale-mtime fallback is set to
// 10 minutes, and is 15 s by default, so only the owner check can reclaim it that soon) — and no daemon outlives its
// record.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fixture, isolatedEnv, ZENML_BIN } from '../helpers/cli.js';
import { FULL, scale, tortureTimeout } from './scale.js';
import { TortureProject } from './torture-project.js';

/** The stale-mtime fallback, long: a lock reclaimed within a run's timeout was reclaimed by the owner check. */
const ENV = { ZENML_LOCK_STALE_MS: '600000' };
const KILLS = scale(200, 12);
/**
 * How soon a dead writer's lock must be taken over, from the start of the zenml run that takes it: a node start-up, a
 * config read and one look at the lock (~0.3 s on an idle machine; the bound leaves room for 2 loaded shared cores).
 * Well below the 15 s mtime fallback, so a takeover by the fallback fails it even with its default.
 */
const TAKEOVER_BOUND_MS = 5_000;

let project: TortureProject;
let dir: string;
let state: string;
const zenml = (args: string[]) => project.run(args);
const ok = (args: string[]) => project.ok(args);
const json = <T = any>(args: string[]) => project.json<T>(args);
const deployArgs = (name: string) => project.deployArgs(name, 60);

/** Every file under `dir` (recursively). */
function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/**
 * Run zenml with the hold hook, SIGKILL it once it sits inside its `writeIndex`-th write (its temp file exists);
 * the lock it held. Earlier writes hold only 500 ms each so that later ones are reached.
 */
async function killMidWrite(args: string[], writeIndex = 0): Promise<{ killed: boolean; lock?: string; pid: number }> {
  const child = spawn(process.execPath, [ZENML_BIN, ...args], {
    cwd: dir,
    env: { ...isolatedEnv(dir), ...ENV, ZENML_TEST_HOLD_LOCK_MS: writeIndex > 0 ? '500' : '30000' },
    stdio: 'ignore',
  });
  const pid = child.pid!;
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  let done = false;
  void exited.then(() => (done = true));
  const seen = new Set<string>();
  const deadline = Date.now() + 60_000;
  while (!done && Date.now() < deadline) {
    for (const f of [...walk(dir)].filter((f) => f.includes(`.${pid}.`) && f.endsWith('.tmp'))) seen.add(f);
    if (seen.size > writeIndex) {
      const tmp = [...seen][writeIndex];
      // The lock this writer holds: the one with its pid in it (the dotfile's, a record's or deploy.lock).
      const lock = walk(dir).find((f) => f.endsWith('.lock') && safeRead(f).includes(`"pid":${pid},`));
      expect(existsSync(tmp)).toBe(true);
      expect(lock).toBeDefined();
      child.kill('SIGKILL');
      await exited;
      return { killed: true, lock, pid };
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill('SIGKILL');
  await exited;
  return { killed: false, pid };
}

/**
 * Watch `lock` until it no longer holds the dead writer `pid` (polled every 5 ms); resolves with how long after the
 * start of the zenml run then in progress (the latest started) that happened, and that run's index.
 */
function watchTakeover(lock: string, pid: number): { done: Promise<{ ms: number; run: number }>; stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<{ ms: number; run: number }>((resolve) => {
    timer = setInterval(() => {
      if (existsSync(lock) && safeRead(lock).includes(`"pid":${pid},`)) return;
      const at = performance.now();
      clearInterval(timer);
      const run = project.runStarts.findLastIndex((start) => start <= at);
      resolve({ ms: run < 0 ? Infinity : at - project.runStarts[run]!, run });
    }, 5);
  });
  return { done, stop: () => clearInterval(timer) };
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The invariants after a crash: everything parses and `find` lists exactly the records on disk. */
async function checkConsistent(): Promise<any[]> {
  JSON.parse(readFileSync(path.join(dir, '.zenmlrc.json'), 'utf8'));
  const records = walk(state).filter((f) => path.basename(f) === 'service.json');
  for (const r of records) JSON.parse(readFileSync(r, 'utf8'));
  const found = await json<any[]>(['model-deployer', 'find']);
  expect(found.map((s) => s.uuid).sort()).toEqual(records.map((r) => path.basename(path.dirname(r))).sort());
  return found;
}

/** No server process runs for this project unless a record names it. */
function orphanServers(found: any[]): string[] {
  const known = new Set(found.map((s) => Number(s.info?.DAEMON_PID)).filter((p) => p > 0));
  return [...project.serverProcesses()].filter(([pid]) => !known.has(pid)).map(([pid, cmd]) => `${pid}: ${cmd}`);
}

beforeAll(() => {
  project = new TortureProject('zenml-torture-crash-', { env: ENV, timeoutMs: 40_000 });
  dir = project.dir;
  state = project.state;
});

afterAll(() => project.cleanup());

describe('kill -9 inside the write window', () => {
  const tally = { kills: 0, byKind: {} as Record<string, number>, reclaimed: 0, takeoverMs: [] as number[] };

  it(
    `${KILLS} kills across dotfile, record and index writes; each leaves parseable files and a lock the next write takes at once`,
    async () => {
      const dotfileKinds: Array<[string, (i: number) => string[]]> = [
        ['register', (i) => ['model-deployer', 'register', `r${i}`, '--flavor', 'local', '-c', 'stateDir=state']],
        ['update', (i) => ['model-deployer', 'update', 'base', '-c', `workers=${(i % 3) + 1}`]],
        ['stack register', (i) => ['stack', 'register', `s${i}`, '-d', 'base']],
        ['stack set', (i) => ['stack', 'set', i % 2 ? 'other' : 'main']],
        ['flavor register', () => ['model-deployer', 'flavor', 'register', '--allow-outside', fixture('record-flavor.mjs')]],
      ];
      const serviceKinds = ['deploy', 'stop', 'delete'] as const;
      const kinds = [...dotfileKinds.map(([k]) => k), ...serviceKinds];
      for (let i = 0; i < KILLS; i += 1) {
        const kind = kinds[i % kinds.length];
        let result: Awaited<ReturnType<typeof killMidWrite>>;
        const dotfileKind = dotfileKinds.find(([k]) => k === kind);
        if (dotfileKind) {
          if (kind === 'flavor register') await zenml(['model-deployer', 'flavor', 'delete', 'record-js']);
          result = await killMidWrite(dotfileKind[1](i));
        } else if (kind === 'deploy') {
          // A deploy writes the server config (0), the record before the spawn (1), server.pid right after it (2), the
          // record naming the server (3), then more: kill inside each of the first four in turn. The killed launch leaves
          // a server dir without a record (swept by the next deploy) or a server the next `find` adopts.
          result = await killMidWrite(deployArgs(`d${i}`), i % 4);
        } else {
          const service = await json(deployArgs(`d${i}`));
          result = await killMidWrite(kind === 'stop' ? ['model-deployer', 'stop', service.uuid, '--timeout', '20'] : ['model-deployer', 'delete', service.uuid, '--timeout', '20']);
        }
        expect(result.killed).toBe(true);
        tally.kills += 1;
        tally.byKind[kind] = (tally.byKind[kind] ?? 0) + 1;
        // The dead writer's lock is still there, with its pid: the next write must take it over, at once.
        expect(safeRead(result.lock!)).toContain(`"pid":${result.pid},`);
        const firstRun = project.runStarts.length;
        const takeover = watchTakeover(result.lock!, result.pid);
        const found = await checkConsistent();
        if (dotfileKind) {
          await ok(['model-deployer', 'register', `n${i}`, '--flavor', 'local', '-c', 'stateDir=state']);
          // The dead writer's half-written temp file went with its lock.
          expect(readdirSync(dir).filter((n) => n.includes(`.${result.pid}.`))).toEqual([]);
        } else {
          // Every service write goes through a record lock or deploy.lock: remove every server (takes both).
          for (const s of found) await ok(['model-deployer', 'delete', s.uuid, '--timeout', '20', '--yes']);
          await ok(deployArgs(`after${i}`));
          const after = await checkConsistent();
          for (const s of after) await ok(['model-deployer', 'delete', s.uuid, '--timeout', '20', '--yes']);
        }
        // Reclaimed by a run after the kill, within the bound of that run's start: a lock file never outlives a write now.
        expect(existsSync(result.lock!) && safeRead(result.lock!).includes(`"pid":${result.pid},`)).toBe(false);
        const taken = await takeover.done;
        takeover.stop();
        expect(taken.run).toBeGreaterThanOrEqual(firstRun);
        expect(Math.round(taken.ms)).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);
        tally.reclaimed += 1;
        tally.takeoverMs.push(taken.ms);
        const final = await checkConsistent();
        // A stopped server may take a moment to exit; one that outlives its record for 10 s is an orphan.
        let orphans = orphanServers(final);
        for (let t = 0; t < 100 && orphans.length > 0; t += 1) {
          await new Promise((r) => setTimeout(r, 100));
          orphans = orphanServers(final);
        }
        expect({ i, kind, orphans }).toEqual({ i, kind, orphans: [] });
      }
      expect(tally.kills).toBe(KILLS);
      // A deploy killed before its first record left a service dir without one: the next deploy removed it.
      const recordless = readdirSync(path.join(state, 'services')).filter((d) => !existsSync(path.join(state, 'services', d, 'service.json')));
      expect(recordless).toEqual([]);
      const ms = [...tally.takeoverMs].sort((a, b) => a - b);
      const takeover = `median ${Math.round(ms[ms.length >> 1]!)} ms, max ${Math.round(ms.at(-1)!)} ms from the start of the run that took it over`;
      process.stderr.write(`crash-mid-write (${FULL ? 'full' : 'short'}): ${tally.kills} kills, ${tally.reclaimed} locks taken over within ${TAKEOVER_BOUND_MS} ms (${takeover}), by kind ${JSON.stringify(tally.byKind)}, 0 orphan servers, 0 service dirs without a record\n`);
    },
    tortureTimeout(3_600_000, 300_000),
  );
});
