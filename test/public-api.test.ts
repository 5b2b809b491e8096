// Layer 2: "importing the public API has no side effects" (README, src/index.ts), checked in a
// child process: importing the built package adds no process listeners (signals, exit, errors),
// sets no exit code, prints nothing, creates no file and leaves nothing running.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './helpers/cli.js';
import { TempDirs } from './helpers/temp.js';

const temp = new TempDirs();
afterEach(() => temp.cleanup());

const PROBE = `
const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'exit', 'beforeExit', 'uncaughtException', 'unhandledRejection', 'warning', 'message'];
const count = () => Object.fromEntries(events.map((e) => [e, process.listenerCount(e)]));
// The process's own stdio handles exist before the snapshot: Node creates them lazily, and on Node 24 merely
// loading node:assert (as dependencies do) touches process.stderr. They are not something the import left running.
void process.stdout, void process.stderr;
const before = { listeners: count(), resources: process.getActiveResourcesInfo().sort() };
const api = await import(process.argv[1]);
// Let anything the import scheduled (timers, promises) run first.
await new Promise((resolve) => setImmediate(resolve));
const after = { listeners: count(), resources: process.getActiveResourcesInfo().sort() };
console.log(JSON.stringify({ before, after, exitCode: process.exitCode ?? null, exports: Object.keys(api).length }));
`;

describe('importing the public API', () => {
  it.each([['dist/index.js']])('%s: no listeners, exit code, output, files or open handles', (entry) => {
    const dir = temp.dir('zenml-api-');
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE, pathToFileURL(path.join(REPO_ROOT, entry)).href], {
      cwd: dir,
      env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'xdg') },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    const report = JSON.parse(result.stdout);
    expect(report.exports).toBeGreaterThan(10);
    expect(report.after.listeners).toEqual(report.before.listeners);
    expect(report.after.resources).toEqual(report.before.resources);
    expect(report.exitCode).toBeNull();
    // Nothing written in the cwd or HOME (they are the same temp dir here).
    expect(readdirSync(dir)).toEqual([]);
  });

  it('control: the probe sees a listener when the imported module adds one (so the check above can fail)', () => {
    const dir = temp.dir('zenml-api-');
    const noisy = `data:text/javascript,process.on('SIGTERM', () => {}); export const x = 1;`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE, noisy], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    const report = JSON.parse(result.stdout);
    expect(report.after.listeners.SIGTERM).toBe(report.before.listeners.SIGTERM + 1);
  });
});
