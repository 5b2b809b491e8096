/**
 * `npm run bench -- --profile [--quick]` (or `tsx bench/profile.ts`): CPU profiles (`node --cpu-prof`) of the CLI start,
 * of `find` over 10,000 services and of the model server under load, summarised as top lists; plus
 * the start-time experiments behind the suggestions: what each CLI dependency costs to import,
 * and the CLI bundled with esbuild (built in a scratch dir outside the repo).
 * Writes bench/results/<date>-profile.json; the raw .cpuprofile files stay in the printed temp dir.
 */
import { closeSync, openSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { summarizeProfile, type ProfileSummary } from './cpuprofile.js';
import { irisRows, mlflowBodies, v2Bodies } from './iris-requests.js';
import { firstSuccess, runLoad } from './load.js';
import { installCleanupHandlers, runChild, startDaemonChild, stopAll, stopGroup } from './processes.js';
import { cliEnv, createProject, IRIS_ONNX, REPO_ROOT, ZENML_BIN, type BenchProject } from './project.js';
import { seedServices } from './seed-services.js';
import { ratio, summarize, type Summary } from './stats.js';

const log = (message: string) => process.stderr.write(`[profile] ${message}\n`);
const node = process.execPath;

/** Run `args` under --cpu-prof into a fresh folder; resolves with the profile's summary. */
async function profileRun(dir: string, name: string, args: string[], cwd: string): Promise<ProfileSummary> {
  const out = path.join(dir, name);
  await mkdir(out, { recursive: true });
  const r = await runChild(node, ['--cpu-prof', '--cpu-prof-dir', out, ...args], { cwd, env: cliEnv(), timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`${name}: exit ${r.code}: ${r.stderr.slice(-1000)}`);
  const file = readdirSync(out).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`${name}: no profile written`);
  return summarizeProfile(path.join(out, file));
}

/** The model server started directly under --cpu-prof, loaded for `seconds` per endpoint, stopped with SIGTERM (which writes the profile). */
async function profileServer(dir: string, seconds: number): Promise<ProfileSummary> {
  const out = path.join(dir, 'server');
  await mkdir(out, { recursive: true });
  const { findFreePort } = await import('zenml-model-deployer');
  const port = await findFreePort('127.0.0.1');
  const configPath = path.join(out, 'server-config.json');
  await writeFile(configPath, JSON.stringify({
    instanceId: 'bench-profile',
    host: '127.0.0.1',
    port,
    runtimeFile: path.join(out, 'runtime.json'),
    adminToken: 'bench-profile-admin',
    models: [{ name: 'iris', version: '1', uri: IRIS_ONNX }],
  }));
  const fd = openSync(path.join(out, 'server.log'), 'a');
  let pid: number;
  try {
    pid = startDaemonChild(node, ['--cpu-prof', '--cpu-prof-dir', out, path.join(REPO_ROOT, 'dist', 'server', 'main.js'), '--config', configPath], {
      cwd: out,
      env: cliEnv(),
      logFd: fd,
      label: 'profiled model server',
    });
  } finally {
    closeSync(fd);
  }
  const rows = irisRows();
  const base = `http://127.0.0.1:${port}`;
  await firstSuccess({ url: `${base}/invocations`, bodies: mlflowBodies(rows) }, 30_000);
  const inv = await runLoad({ url: `${base}/invocations`, bodies: mlflowBodies(rows) }, 32, seconds);
  const v2 = await runLoad({ url: `${base}/v2/models/iris/infer`, bodies: v2Bodies(rows, 'input', 'FP32') }, 32, seconds);
  log(`server under load: /invocations ${Math.round(inv.rps)} req/s, v2 ${Math.round(v2.rps)} req/s (profiling slows it)`);
  await stopGroup(pid, 15_000);
  for (let i = 0; i < 100 && !readdirSync(out).some((f) => f.endsWith('.cpuprofile')); i++) await sleep(50);
  const file = readdirSync(out).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('the server wrote no profile');
  return summarizeProfile(path.join(out, file));
}

/** Median wall time of `runs` runs of a command (after one warm-up). */
async function timeIt(command: string, args: string[], cwd: string, runs: number): Promise<Summary> {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const r = await runChild(command, args, { cwd, env: cliEnv(), timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`${args.join(' ')}: exit ${r.code}: ${r.stderr.slice(-500)}`);
    if (i > 0) times.push(r.ms);
  }
  return summarize(times, 'ms');
}

/** What importing each CLI dependency (and our own entry modules) costs over a bare `node -e 0`, runs interleaved. */
async function importCosts(runs: number): Promise<Record<string, number>> {
  const modules = [
    'commander', 'chalk', 'cli-table3', 'cosmiconfig', 'yaml', 'zod', 'proper-lockfile', 'write-file-atomic', 'uuid',
    './dist/cli/main.js', './dist/config/config-store.js', './dist/cli/handlers/flavor-handlers.js', './dist/cli/handlers/service-handlers.js',
    './dist/integrations/local/index.js',
  ];
  const argsOf = (m: string | undefined) => (m === undefined ? ['-e', '0'] : ['--input-type=module', '-e', `await import(${JSON.stringify(m)})`]);
  const times = new Map<string | undefined, number[]>([undefined, ...modules].map((m) => [m, []]));
  // Round-robin, so a busy moment on the machine hits the baseline and the modules alike.
  for (let i = 0; i <= runs; i++) {
    for (const m of times.keys()) {
      const r = await runChild(node, argsOf(m), { cwd: REPO_ROOT, env: cliEnv(), timeoutMs: 60_000 });
      if (r.code !== 0) throw new Error(`import ${m}: exit ${r.code}: ${r.stderr.slice(-500)}`);
      if (i > 0) times.get(m)!.push(r.ms);
    }
  }
  const bare = summarize(times.get(undefined)!, 'ms').median;
  const costs: Record<string, number> = {};
  for (const m of modules) {
    costs[m] = Math.round(summarize(times.get(m)!, 'ms').median - bare);
    log(`import ${m}: +${costs[m]} ms`);
  }
  return costs;
}

/**
 * CLI start as tsc emits it (dist/cli/main.js, ~180 ESM files), as shipped (bin/zenml.js), and bundled
 * by esbuild in a scratch folder outside the repo: one file (every module evaluated up front), and split
 * at dynamic imports and minified. Same dotfile, same commands, interleaved with bare `node -e 0`.
 */
async function bundleExperiment(project: BenchProject, runs: number): Promise<Record<string, unknown>> {
  const esbuild = await import('esbuild');
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'zenml-bundle-'));
  // The tsc output behind a bin-like shim: what `zenml` ran before the CLI was bundled.
  const shim = path.join(scratch, 'tsc-output.mjs');
  // An absolute path, not a file: URL: Node takes both, esbuild only the path.
  const cliMain = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
  await writeFile(shim, `import { main } from ${JSON.stringify(cliMain)};\nprocess.exitCode = await main(process.argv);\n`);
  const variants: Record<string, string> = { 'tsc output (unbundled)': shim, 'bin/zenml.js (as shipped)': ZENML_BIN };
  for (const [name, splitting, minify] of [
    ['esbuild single file', false, false],
    ['esbuild split + minified', true, true],
  ] as const) {
    const outdir = path.join(scratch, name.replace(/\W+/g, '-'));
    await esbuild.build({
      entryPoints: { zenml: shim },
      outdir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      // With splitting, every dynamic import() stays a separate chunk, so lazy command handlers stay lazy.
      splitting,
      minify,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // Native or optional: onnxruntime-node (server only), tsx (TypeScript flavors), typescript (cosmiconfig's .ts loader).
      external: ['onnxruntime-node', 'tsx', 'tsx/*', 'esbuild', 'typescript'],
      banner: {
        js: "import { createRequire as __zcr } from 'node:module'; import { fileURLToPath as __zfu } from 'node:url'; const require = __zcr(import.meta.url); const __filename = __zfu(import.meta.url);",
      },
      logLevel: 'error',
    });
    variants[name] = path.join(outdir, 'zenml.mjs');
  }
  const cfg = ['--config', project.configPath];
  const nodeBare = await timeIt(node, ['-e', '0'], project.dir, runs);
  const result: Record<string, unknown> = { scratch, nodeBare };
  for (const [name, file] of Object.entries(variants)) {
    const help = await timeIt(node, [file, ...cfg, '--help'], project.dir, runs);
    const flavorList = await timeIt(node, [file, ...cfg, 'model-deployer', 'flavor', 'list'], project.dir, runs);
    result[name] = { help, flavorList, helpOverNode: ratio(help, nodeBare), flavorListOverNode: ratio(flavorList, nodeBare) };
    log(`${name}: --help ${help.median} ms, flavor list ${flavorList.median} ms (node -e 0: ${nodeBare.median} ms)`);
  }
  return result;
}

function printSummary(title: string, s: ProfileSummary): void {
  console.log(`\n### ${title} (${s.totalMs} ms profiled)\n`);
  console.log('| Self time by area | ms | % |\n| --- | --- | --- |');
  for (const e of s.byArea.slice(0, 10)) console.log(`| ${e.name} | ${e.ms} | ${e.percent} |`);
  console.log('\n| Self time by function | ms | % |\n| --- | --- | --- |');
  for (const e of s.topSelf.slice(0, 12)) console.log(`| ${e.name} | ${e.ms} | ${e.percent} |`);
  console.log('\n| Total time, our functions | ms | % |\n| --- | --- | --- |');
  for (const e of s.topOwnTotal.slice(0, 10)) console.log(`| ${e.name} | ${e.ms} | ${e.percent} |`);
}

/** Record, summarise and print the profiles and experiments; `quick` uses 1,000 services and short loads. */
export async function runProfiles(quick: boolean): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zenml-profile-'));
  let project: BenchProject | undefined;
  installCleanupHandlers(
    async () => {
      await stopAll(3000);
      await project?.dispose(false);
    },
    () => project?.disposeNow(false),
  );
  const results: Record<string, unknown> = { date: new Date().toISOString().slice(0, 10), profiles: dir };
  try {
    project = await createProject();
    const cfg = ['--config', project.configPath];
    log('profiling the CLI start');
    const help = await profileRun(dir, 'cli-help', [ZENML_BIN, ...cfg, '--help'], project.dir);
    const flavorList = await profileRun(dir, 'cli-flavor-list', [ZENML_BIN, ...cfg, 'model-deployer', 'flavor', 'list'], project.dir);
    const services = quick ? 1000 : 10_000;
    log(`seeding ${services} services`);
    await project.zenml(['model-deployer', 'register', 'bench-scale', '--flavor', 'local']);
    await seedServices(project.stateDir('bench-scale'), services);
    await project.zenml(['model-deployer', 'find', '--json', '--deployer', 'bench-scale'], 120_000); // warm the page cache
    const find = await profileRun(dir, 'cli-find', [ZENML_BIN, ...cfg, 'model-deployer', 'find', '--json', '--deployer', 'bench-scale'], project.dir);
    log('profiling the server under load');
    const server = await profileServer(dir, quick ? 2 : 8);
    results.profilesSummary = { help, flavorList, find, server };
    log('timing imports');
    results.importCostsMs = await importCosts(quick ? 3 : 10);
    log('bundling the CLI with esbuild');
    results.bundle = await bundleExperiment(project, quick ? 3 : 20).catch((error: Error) => ({ error: error.message }));
    printSummary('`zenml --help`', help);
    printSummary('`zenml model-deployer flavor list`', flavorList);
    printSummary(`\`zenml model-deployer find --json\` over ${services.toLocaleString('en-US')} services`, find);
    printSummary('Model server under load (32 connections, /invocations then v2)', server);
    console.log('\nImport cost over `node -e 0` (ms):', JSON.stringify(results.importCostsMs, null, 2));
    console.log('\nCLI start, unbundled vs bundled:', JSON.stringify(results.bundle, null, 2));
  } finally {
    await stopAll(3000);
    await project?.dispose(false);
  }
  const out = path.join(REPO_ROOT, 'bench', 'results', `${results.date as string}-profile${quick ? '-quick' : ''}.json`);
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  log(`summary written to ${path.relative(process.cwd(), out)}; raw profiles in ${dir} (open them in Chrome DevTools)`);
  }

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runProfiles(process.argv.includes('--quick'));
