/**
 * `npm run bench:dashboard`: the cost figures of `zenml model-deployer dashboard` (docs/dashboard.md, "Cost"):
 * - the dashboard process's RSS and CPU with 50 model servers: 5 real `local` iris servers (polled for health and
 *   /metrics every second) and 45 stand-in records (inactive services written by seed-services.ts, as the local
 *   flavor persists a stopped server: listed and shown, never probed);
 * - the CPU the polling adds to an idle model server: one server's CPU seconds over the same window without the
 *   dashboard, then with it;
 * - the page's weight (bytes the browser fetched for the page and its files) and its paint times in headless
 *   chromium (first contentful paint; the 50 rows on screen), medians of 5 loads in fresh tabs without cache.
 * Prints one JSON object. Every process it starts is ended, on error and Ctrl-C too.
 */
import { spawn } from 'node:child_process';
import { launchBrowser } from '../test/helpers/browser.js';
import { processRssKiB, treeCpuSeconds } from './proc-stats.js';
import { installCleanupHandlers, stopAll, stopGroup, trackProcess } from './processes.js';
import { cliEnv, createProject, ZENML_BIN, type BenchProject } from './project.js';
import { seedServices } from './seed-services.js';

// Code passed to page.evaluate runs in the browser; this program has no DOM types.
declare const document: { querySelectorAll(selector: string): { length: number } };

const REAL = 5;
const STAND_INS = 45;
const LOADS = 5;
const WINDOW_S = Number(process.env.BENCH_DASHBOARD_WINDOW ?? 30);
const log = (message: string) => process.stderr.write(`[bench:dashboard] ${message}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** CPU % of `pid` (and its children) over `seconds`. */
async function cpuPercent(pid: number, seconds: number): Promise<number> {
  const before = treeCpuSeconds(pid);
  await sleep(seconds * 1000);
  return round(((treeCpuSeconds(pid) - before) / seconds) * 100, 2);
}

async function main(): Promise<void> {
  let project: BenchProject | undefined;
  installCleanupHandlers(async () => {
    await stopAll(3000);
    await project?.dispose(false);
  });
  project = await createProject();
  log(`deploying ${REAL} iris servers, seeding ${STAND_INS} stand-in records`);
  const servers = [];
  for (let i = 0; i < REAL; i++) servers.push(await project.deploy('default', `iris-${i}`));
  await seedServices(project.stateDir('default'), STAND_INS);
  const idle = servers[0];

  log(`idle server CPU without the dashboard (${WINDOW_S} s)`);
  const serverCpuAlone = await cpuPercent(idle.pid, WINDOW_S);

  const child = spawn(process.execPath, [ZENML_BIN, '--config', project.configPath, 'model-deployer', 'dashboard', '-q', '--no-open'], {
    cwd: project.dir,
    env: cliEnv(),
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  trackProcess(child.pid!, 'dashboard');
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      text += c;
      if (text.includes('\n')) resolve(text.trim());
    });
    child.once('exit', (code) => reject(new Error(`the dashboard exited ${code}`)));
  });

  log(`idle server CPU and dashboard CPU with the dashboard polling (${WINDOW_S} s)`);
  await sleep(3000); // past its start
  const dashboardCpuBefore = treeCpuSeconds(child.pid!);
  const serverCpuPolled = await cpuPercent(idle.pid, WINDOW_S);
  const dashboardCpu = round(((treeCpuSeconds(child.pid!) - dashboardCpuBefore) / WINDOW_S) * 100, 2);
  const dashboardRssMiB = round(processRssKiB(child.pid!) / 1024);

  log('page weight and paint in headless chromium');
  const browser = await launchBrowser();
  const loads: { weightBytes: number; files: Record<string, number>; firstContentfulPaintMs: number; rowsOnScreenMs: number }[] = [];
  try {
    // LOADS page loads, each in a fresh tab without cache; the figures are their medians.
    for (let i = 0; i < LOADS; i++) {
      const tab = await browser.browser.newPage();
      await tab.setCacheEnabled(false);
      const files: Record<string, number> = {};
      tab.on('response', async (res) => {
        const path = new URL(res.url()).pathname;
        if (path === '/api/events' || res.status() !== 200) return;
        files[path] = Number(res.headers()['content-length'] ?? (await res.buffer().catch(() => Buffer.alloc(0))).length);
      });
      await tab.goto(i === 0 ? url : new URL(url).origin);
      await tab.waitForFunction((n) => document.querySelectorAll('tbody tr').length === n, { polling: 'raf', timeout: 30_000 }, REAL + STAND_INS);
      const rowsOnScreenMs = await tab.evaluate(() => performance.now());
      const fcp = await tab.evaluate(() => (performance.getEntriesByType as (type: string) => { name: string; startTime: number }[])('paint').find((e) => e.name === 'first-contentful-paint')?.startTime ?? -1);
      loads.push({ weightBytes: Object.values(files).reduce((a, b) => a + b, 0), files, firstContentfulPaintMs: round(fcp), rowsOnScreenMs: round(rowsOnScreenMs) });
      await tab.close();
    }
  } finally {
    await browser.close();
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const page = {
    loads: LOADS,
    weightBytes: loads[LOADS - 1].weightBytes,
    files: loads[LOADS - 1].files,
    firstContentfulPaintMs: { median: median(loads.map((l) => l.firstContentfulPaintMs)), first: loads[0].firstContentfulPaintMs },
    rowsOnScreenMs: { median: median(loads.map((l) => l.rowsOnScreenMs)), first: loads[0].rowsOnScreenMs },
  };
  const dashboardRssWithPageMiB = round(processRssKiB(child.pid!) / 1024);
  await stopGroup(child.pid!, 3000);

  const result = {
    servers: { real: REAL, standIns: STAND_INS },
    windowSeconds: WINDOW_S,
    dashboardRssMiB,
    dashboardRssWithPageMiB,
    dashboardCpuPercent: dashboardCpu,
    idleServerCpuPercent: { withoutDashboard: serverCpuAlone, withDashboard: serverCpuPolled, added: round(serverCpuPolled - serverCpuAlone, 2) },
    page,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  await project.dispose(false);
  project = undefined;
}

main().catch(async (error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  await stopAll(3000);
  process.exitCode = 1;
});
