// The project both writer torture tests work in: a dotfile with a `local` deployer `base` (state in ./state) on stacks
// `main` and `other`, a runner for the built binary, and the server processes running for its state dir.
import path from 'node:path';
import { killRunningZenml, parseJson, runZenml, writeDotfile, type RunResult } from '../helpers/cli.js';
import { IRIS_V1, killServers, serverProcessesUnder } from '../helpers/local-servers.js';
import { TempDirs } from '../helpers/temp.js';

/** One project in a temp dir; `cleanup` kills its servers and removes it. */
export class TortureProject {
  private readonly temps = new TempDirs();
  readonly dir: string;
  readonly state: string;
  /** When each run started (performance.now()), in order: which command took a lock over, and how soon. */
  readonly runStarts: number[] = [];

  /** `deployers`: more deployers beside `base`; `env` and `timeoutMs` apply to every run. */
  constructor(
    prefix: string,
    private readonly options: { deployers?: Record<string, unknown>; env?: Record<string, string>; timeoutMs: number },
  ) {
    this.dir = this.temps.dir(prefix);
    this.state = path.join(this.dir, 'state');
    writeDotfile(this.dir, {
      version: 1,
      activeStack: 'main',
      modelDeployers: { base: { flavor: 'local', settings: { stateDir: 'state' } }, ...options.deployers },
      stacks: { main: { modelDeployer: 'base' }, other: { modelDeployer: 'base' } },
    });
  }

  run(args: string[]): Promise<RunResult> {
    this.runStarts.push(performance.now());
    return runZenml(args, { cwd: this.dir, timeoutMs: this.options.timeoutMs, env: this.options.env });
  }

  /** Run and fail with its output unless it exits 0. */
  async ok(args: string[]): Promise<RunResult> {
    const r = await this.run(args);
    if (r.code !== 0) throw new Error(`zenml ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r;
  }

  async json<T = any>(args: string[]): Promise<T> {
    return parseJson<T>(await this.ok([...args, '--json']));
  }

  /** A deploy of the iris model (pipeline p, step s) under the service name `name`. */
  deployArgs(name: string, timeoutS: number): string[] {
    return ['model-deployer', 'deploy', '--model-uri', IRIS_V1, '--model-name', 'iris', '--pipeline-name', 'p', '--pipeline-step-name', 's', '--name', name, '--timeout', String(timeoutS)];
  }

  /** Live server processes whose command line names this state dir (zenml itself excluded), by pid. */
  serverProcesses(): Map<number, string> {
    return serverProcessesUnder(this.state);
  }

  cleanup(): void {
    killRunningZenml();
    killServers(this.dir);
    this.temps.cleanup();
  }
}
