/**
 * `npm run bench`: the CLI and the model servers measured against their floor and their peers in
 * one run. Writes bench/results/<date>.json and prints a Markdown summary. Every process it starts
 * is ended on completion, on error and on SIGINT/SIGTERM. See bench/README.md.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { measureCliStart } from './cli-start.js';
import { measureDeploy } from './deploy-ready.js';
import { parseOptions, type Section } from './options.js';
import { installCleanupHandlers, stopAll } from './processes.js';
import { createProject, REPO_ROOT, stopProjectServers, ZENML_BIN, type BenchProject } from './project.js';
import { preparePythonEnvs, type PythonEnvs } from './python-envs.js';
import { describeMachine, judgeTargets, markdownReport, type BenchResults } from './report.js';
import { measureScale } from './scale.js';
import { measureSeldonFind } from './seldon-find.js';
import { measureClusterDeploy } from './cluster-deploy.js';
import { round } from './stats.js';
import { measureThroughput } from './throughput.js';

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** Newest mtime (ms) of the .ts files under `dir`. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/** The bench measures the built CLI and server: refuse a missing build, warn about a stale one. */
function checkBuild(): void {
  // Whatever bin/zenml.js loads (the tsc output or a bundle of it), and the server the CLI spawns.
  const target = /from '\.\.\/(dist\/[^']+)'/.exec(readFileSync(ZENML_BIN, 'utf8'))?.[1] ?? 'dist/cli/main.js';
  const built = [path.join(REPO_ROOT, target), path.join(REPO_ROOT, 'dist', 'server', 'main.js')];
  if (!built.every((f) => existsSync(f))) {
    throw new Error(`${built.filter((f) => !existsSync(f)).join(', ')} missing: run \`npm run build\` first`);
  }
  if (newestMtime(path.join(REPO_ROOT, 'src')) > Math.min(...built.map((f) => statSync(f).mtimeMs))) {
    log('warning: src/ has changes newer than dist/; the bench measures dist/ (run `npm run build` to include them)');
  }
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  checkBuild();
  if (options.profile) {
    await (await import('./profile.js')).runProfiles(options.quick);
    return 0;
  }
  const started = performance.now();
  let project: BenchProject | undefined;
  let disposed = false;
  installCleanupHandlers(
    async () => {
      await stopAll(3000);
      if (project) await project.dispose(options.keep);
      disposed = true;
    },
    () => {
      if (project && !disposed) project.disposeNow(options.keep);
    },
  );

  const date = new Date().toISOString().slice(0, 10);
  // The run sizes go into the record; where it was written and whether the project was kept do not.
  const { out: _out, keep: _keep, profile: _profile, ...recorded } = options;
  const results: Omit<BenchResults, 'targets' | 'durationS'> = { date, machine: describeMachine(), options: recorded, loadAverage: {} };
  let failed = false;
  try {
    const python: PythonEnvs | undefined = options.peers ? await preparePythonEnvs() : undefined;
    if (python) for (const [name, why] of Object.entries(python.problems)) log(`peer ${name} unavailable: ${why}`);
    project = await createProject();
    log(`temp project: ${project.dir}`);
    const p = project;
    const measure: Record<Section, () => Promise<unknown>> = {
      cli: () => measureCliStart(p, options, python),
      deploy: () => measureDeploy(p, options, python, log),
      throughput: () => measureThroughput(p, options, python, log),
      scale: () => measureScale(p, options, log),
      seldon: () => measureSeldonFind(p, options, log),
      cluster: () => measureClusterDeploy(p, options, log),
    };
    const key: Record<Section, 'cliStart' | 'deploy' | 'throughput' | 'scale' | 'seldonFind' | 'clusterDeploy'> = {
      cli: 'cliStart',
      deploy: 'deploy',
      throughput: 'throughput',
      scale: 'scale',
      seldon: 'seldonFind',
      cluster: 'clusterDeploy',
    };
    for (const section of options.sections) {
      log(`measuring ${section}…`);
      const before = os.loadavg()[0];
      try {
        (results as Record<string, unknown>)[key[section]] = await measure[section]();
      } catch (error) {
        failed = true;
        log(`${section} failed: ${(error as Error).stack ?? String(error)}`);
        (results as Record<string, unknown>)[key[section]] = { error: (error as Error).message.slice(0, 2000) };
        // A failed figure must not leave servers that skew the next one.
        await stopProjectServers(p.dir);
      }
      // Other work on the machine skews every figure: keep the 1-minute load average beside them.
      results.loadAverage[section] = { before: round(before, 2), after: round(os.loadavg()[0], 2) };
    }
  } finally {
    await stopAll(3000);
    if (project) await project.dispose(options.keep);
    disposed = true;
    if (project && options.keep) log(`kept ${project.dir}`);
  }

  const full: BenchResults = { ...results, targets: judgeTargets(results), durationS: Math.round((performance.now() - started) / 1000) };
  const suffix = `${options.peers ? '-peers' : ''}${options.quick ? '-quick' : ''}`;
  const out = options.out ?? path.join(REPO_ROOT, 'bench', 'results', `${date}${suffix}.json`);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(full, null, 2)}\n`);
  console.log(markdownReport(full));
  log(`results written to ${path.relative(process.cwd(), out)}`);
  return failed ? 1 : 0;
}

process.exitCode = await main().catch((error: unknown) => {
  log(`failed: ${(error as Error).stack ?? String(error)}`);
  return 1;
});
