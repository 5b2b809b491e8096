/**
 * Figure 4, scale: `zenml model-deployer find --json` over 1,000 and 10,000 registered (inactive)
 * services; 20 `deploy`s in a row; the resident memory of an idle model server (with its children).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchOptions } from './options.js';
import { cliEnv, REPO_ROOT, type BenchProject, type Deployed } from './project.js';
import { treeRssMiB } from './proc-stats.js';
import { seedServices } from './seed-services.js';
import { ratio, summarize, type Summary } from './stats.js';
import { runChild, stopGroup, trackProcess } from './processes.js';
import { IRIS_ONNX } from './project.js';

/** The lookup a CI job runs after training: the server of one pipeline step's model. */
export const LOOKUP_ARGS = ['--pipeline-name', 'bench', '--pipeline-step-name', 'step-7', '--model-name', 'iris'];

/** `find` over one store size. */
export interface FindPoint {
  services: number;
  /** `find --json`: every service printed. */
  find: Summary;
  /** `find --json` + LOOKUP_ARGS: one step's services among them (services / 50 printed). */
  lookup: Summary;
  lookupMatches: number;
  /** bench/find-floor.mjs over the same index: bare node reading it and printing every record. */
  floor: Summary;
  findOverFloor: number | undefined;
  /** How long creating the services through the store API took (not a target; for context). */
  seedMs: number;
}

/** What figure 4 measured. */
export interface ScaleResult {
  find: FindPoint[];
  deployInARow: { count: number; each: Summary; totalMs: number };
  /** VmRSS of each idle server's process tree, 2 s after the last deploy. */
  idleServerRss: Summary;
  /** The floor: VmRSS of bare node holding one onnxruntime session on the same model (bench/rss-floor.mjs), idle 2 s. */
  idleRssFloor: Summary;
  /** idleServerRss over idleRssFloor (medians). */
  idleRssOverFloor?: number;
  processesPerServer: number;
}

/** Measure figure 4. */
export async function measureScale(project: BenchProject, options: BenchOptions, log: (m: string) => void): Promise<ScaleResult> {
  await project.zenml(['model-deployer', 'register', 'bench-scale', '--flavor', 'local']);
  const stateDir = project.stateDir('bench-scale');
  const points: FindPoint[] = [];
  let seeded = 0;
  for (const count of options.serviceCounts) {
    const seedMs = await seedServices(stateDir, count - seeded);
    seeded = count;
    // A store at rest, as users have it: the index trusts the services directory's stamp only once
    // it is 2 s old (service-index.ts), and the uncounted first run below records it.
    await sleep(2100);
    const find = ['model-deployer', 'find', '--json', '--deployer', 'bench-scale'];
    // The first run of each also builds the index and warms the page cache: not counted.
    const all = await timeFind(project, find, options.findRuns, count);
    const lookup = await timeFind(project, [...find, ...LOOKUP_ARGS], options.findRuns, count / 50);
    const floor = await timeFloor(project, path.join(stateDir, 'services.index.json'), options.findRuns, count);
    const point = {
      services: count,
      find: all,
      lookup,
      lookupMatches: count / 50,
      floor,
      findOverFloor: ratio(all, floor),
      seedMs: Math.round(seedMs),
    };
    log(`find over ${count} services: ${point.find.median} ms (floor ${floor.median} ms); lookup among them: ${point.lookup.median} ms`);
    points.push(point);
  }

  await project.zenml(['model-deployer', 'register', 'bench-many', '--flavor', 'local']);
  const deployed: Deployed[] = [];
  const start = performance.now();
  try {
    for (let i = 0; i < options.deploysInARow; i++) {
      deployed.push(await project.deploy('bench-many', `iris-${String(i + 1).padStart(2, '0')}`));
    }
    const totalMs = performance.now() - start;
    await sleep(2000);
    const rss = deployed.map((d) => treeRssMiB(d.pid));
    const floor = await rssFloor(3);
    const idleServerRss = summarize(rss.map((r) => r.mib), 'MiB');
    const result: ScaleResult = {
      find: points,
      deployInARow: { count: deployed.length, each: summarize(deployed.map((d) => d.cliMs), 'ms'), totalMs: Math.round(totalMs) },
      idleServerRss,
      idleRssFloor: floor,
      idleRssOverFloor: ratio(idleServerRss, floor),
      processesPerServer: Math.max(...rss.map((r) => r.processes)),
    };
    log(`${deployed.length} deploys in a row: ${result.deployInARow.totalMs} ms; idle server RSS ${idleServerRss.median} MiB (floor ${floor.median} MiB)`);
    return result;
  } finally {
    for (const d of deployed) await project.remove('bench-many', d.uuid, d.pid).catch(() => undefined);
  }
}

/** VmRSS of `count` bare node processes with one onnxruntime session each (bench/rss-floor.mjs), 2 s after loading. */
async function rssFloor(count: number): Promise<Summary> {
  const mibs: number[] = [];
  for (let i = 0; i < count; i++) {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bench', 'rss-floor.mjs'), IRIS_ONNX], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    if (child.pid === undefined) throw new Error('cannot start bench/rss-floor.mjs');
    trackProcess(child.pid, 'rss-floor');
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('bench/rss-floor.mjs did not load the model within 30 s')), 30_000);
        child.stdout!.setEncoding('utf8').on('data', (d: string) => {
          if (d.includes('ready')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`bench/rss-floor.mjs exited ${code}`));
        });
      });
      await sleep(2000);
      mibs.push(treeRssMiB(child.pid).mib);
    } finally {
      child.removeAllListeners('exit');
      await stopGroup(child.pid, 2000);
    }
  }
  return summarize(mibs, 'MiB');
}

/** Wall times of `runs` runs of a find command (after one uncounted run), checking how many it printed. */
export async function timeFind(project: BenchProject, args: string[], runs: number, expected: number): Promise<Summary> {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const r = await project.zenml(args, 120_000);
    const listed = (JSON.parse(r.stdout) as unknown[]).length;
    if (listed !== expected) throw new Error(`${args.join(' ')} listed ${listed} services, expected ${expected}`);
    if (i > 0) times.push(r.ms);
  }
  return summarize(times, 'ms');
}

/** Wall times of bench/find-floor.mjs over the index (same runs and warm-up as timeFind). */
async function timeFloor(project: BenchProject, indexFile: string, runs: number, expected: number): Promise<Summary> {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const r = await runChild(process.execPath, [path.join(REPO_ROOT, 'bench', 'find-floor.mjs'), indexFile], { cwd: project.dir, env: cliEnv(), timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`find-floor.mjs: exit ${r.code}: ${r.stderr.slice(-500)}`);
    const listed = (JSON.parse(r.stdout) as unknown[]).length;
    if (listed !== expected) throw new Error(`find-floor.mjs printed ${listed} records, expected ${expected}`);
    if (i > 0) times.push(r.ms);
  }
  return summarize(times, 'ms');
}
