/**
 * Figure 1, CLI start: wall time from spawn to exit of `zenml --help` and `zenml model-deployer
 * flavor list`, against a bare `node -e 0` (the floor any Node CLI pays), and of one shell
 * completion call (`zenml __complete … stop <Tab>`: dotfile + service index of 1,000 services)
 * against `--help` (goal < 1.5×). With peers, the same two commands of the Python ZenML CLI.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { BenchOptions } from './options.js';
import { cliEnv, ZENML_BIN, type BenchProject } from './project.js';
import { runChild } from './processes.js';
import type { PythonEnvs } from './python-envs.js';
import { seedServices } from './seed-services.js';
import { ratio, summarize, type Summary } from './stats.js';

/** What figure 1 measured. */
export interface CliStartResult {
  runs: number;
  nodeBare: Summary;
  help: Summary;
  flavorList: Summary;
  /** `zenml __complete model-deployer stop <Tab>` among COMPLETION_SERVICES services. */
  completion: Summary;
  completionServices: number;
  /** Our command's median over `node -e 0`'s. */
  helpOverNode?: number;
  flavorListOverNode?: number;
  /** The completion call's median over `--help`'s (goal < 1.5). */
  completionOverHelp?: number;
  peers?: {
    zenmlVersion: string;
    help: Summary;
    flavorList: Summary;
    /** Python's median over ours. */
    helpPeerOverOurs?: number;
    flavorListPeerOverOurs?: number;
  } | { skipped: string };
}

interface Cmd {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Time `runs` runs of each command, round-robin (so drift hits them alike), after `warmups` unrecorded ones. */
async function timeCommands(cmds: Record<string, Cmd>, runs: number, warmups: number, timeoutMs: number): Promise<Record<string, number[]>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  for (let i = 0; i < warmups + runs; i++) {
    for (const [name, c] of Object.entries(cmds)) {
      const r = await runChild(c.command, c.args, { cwd: c.cwd, env: c.env, timeoutMs });
      if (r.code !== 0) throw new Error(`${c.command} ${c.args.join(' ')} exited ${r.code}: ${r.stderr.slice(-1500)}`);
      if (i >= warmups) times[name].push(r.ms);
    }
  }
  return times;
}

/** Services in the deployer whose uuids the completion figure completes. */
const COMPLETION_SERVICES = 1000;

/** Measure figure 1 in the bench project. */
export async function measureCliStart(project: BenchProject, options: BenchOptions, python: PythonEnvs | undefined): Promise<CliStartResult> {
  const env = cliEnv();
  const node = process.execPath;
  const zenml = (args: string[]): Cmd => ({ command: node, args: [ZENML_BIN, '--config', project.configPath, ...args], cwd: project.dir, env });
  // A deployer of its own, so the other figures' services do not mix in; one `find` folds the index.
  await project.zenml(['model-deployer', 'register', 'completion', '--flavor', 'local']);
  await seedServices(project.stateDir('completion'), COMPLETION_SERVICES);
  await project.zenml(['model-deployer', 'find', '-q', '--deployer', 'completion']);
  const times = await timeCommands(
    {
      nodeBare: { command: node, args: ['-e', '0'], cwd: project.dir, env },
      help: zenml(['--help']),
      flavorList: zenml(['model-deployer', 'flavor', 'list']),
      completion: {
        command: node,
        args: [ZENML_BIN, '__complete', '--config', project.configPath, 'model-deployer', 'stop', '--deployer', 'completion', ''],
        cwd: project.dir,
        env,
      },
    },
    options.cliRuns,
    2,
    30_000,
  );
  const result: CliStartResult = {
    runs: options.cliRuns,
    nodeBare: summarize(times.nodeBare, 'ms'),
    help: summarize(times.help, 'ms'),
    flavorList: summarize(times.flavorList, 'ms'),
    completion: summarize(times.completion, 'ms'),
    completionServices: COMPLETION_SERVICES,
  };
  result.helpOverNode = ratio(result.help, result.nodeBare);
  result.completionOverHelp = ratio(result.completion, result.help);
  result.flavorListOverNode = ratio(result.flavorList, result.nodeBare);

  if (options.peers) {
    if (!python?.zenml) {
      result.peers = { skipped: python?.problems.zenml ?? 'the Python ZenML CLI is not installed' };
    } else {
      result.peers = await measurePythonZenml(project, options, python.zenml, result);
    }
  }
  return result;
}

async function measurePythonZenml(project: BenchProject, options: BenchOptions, venv: string, ours: CliStartResult): Promise<NonNullable<CliStartResult['peers']>> {
  const work = path.join(project.dir, 'python-zenml');
  await mkdir(work, { recursive: true });
  // Its own global config and SQLite store inside the temp project; no analytics, no dashboard.
  const env: NodeJS.ProcessEnv = {
    ...cliEnv(),
    ZENML_CONFIG_PATH: path.join(work, 'config'),
    ZENML_ANALYTICS_OPT_IN: 'false',
    ZENML_DEBUG: 'false',
    AUTO_OPEN_DASHBOARD: 'false',
    TERM: 'dumb',
  };
  const bin = path.join(venv, 'bin', 'zenml');
  const version = await runChild(path.join(venv, 'bin', 'python'), ['-c', "import importlib.metadata as m; print(m.version('zenml'))"], { cwd: work, env, timeoutMs: 60_000 });
  // The first run creates and migrates the local store: a one-time cost, kept out of the figure.
  const init = await runChild(bin, ['init'], { cwd: work, env, timeoutMs: 180_000 });
  if (init.code !== 0) return { skipped: `zenml init failed: ${init.stderr.slice(-500)}` };
  const times = await timeCommands(
    {
      help: { command: bin, args: ['--help'], cwd: work, env },
      flavorList: { command: bin, args: ['model-deployer', 'flavor', 'list'], cwd: work, env },
    },
    options.cliRuns,
    1,
    120_000,
  );
  const help = summarize(times.help, 'ms');
  const flavorList = summarize(times.flavorList, 'ms');
  return {
    zenmlVersion: version.stdout.trim() || '?',
    help,
    flavorList,
    helpPeerOverOurs: ratio(help, ours.help),
    flavorListPeerOverOurs: ratio(flavorList, ours.flavorList),
  };
}
