// A project folder for the cluster tests: its own dotfile and HOME (another project is another machine) and a deployer
// component of a Kubernetes flavor in its active stack, driven through the built `zenml` binary.
import { parseJson, runZenml, type RunResult } from '../helpers/cli.js';
import type { TempDirs } from '../helpers/temp.js';

/** A project: run the CLI in it, or run it with --json and get the parsed answer (a non-zero exit throws). */
export interface ZenmlProject {
  dir: string;
  run: (...args: string[]) => Promise<RunResult>;
  json: <T = any>(...args: string[]) => Promise<T>;
}

/** `zenml init`, then component `component` of `flavor` with `settings`, in a stack `prod` made active. */
export async function zenmlProject(temps: TempDirs, component: string, flavor: string, settings: string[]): Promise<ZenmlProject> {
  const dir = temps.dir(`zenml-${flavor}-`);
  const run = (...args: string[]) => runZenml(args, { cwd: dir, timeoutMs: 120_000 });
  const json = async <T = any>(...args: string[]): Promise<T> => {
    const r = await run(...args, '--json');
    if (r.code !== 0) throw new Error(`zenml ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return parseJson<T>(r);
  };
  for (const args of [['init'], ['model-deployer', 'register', component, '--flavor', flavor, ...settings], ['stack', 'register', 'prod', '-d', component, '--set']]) {
    const r = await run(...args);
    if (r.code !== 0) throw new Error(`zenml ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  }
  return { dir, run, json };
}

/** The settings of a component for `namespace` of a test cluster, through its admin kubeconfig. */
export function clusterSettings(cluster: { kubeconfigPath: string; contextName: string }, namespace: string): string[] {
  return ['--kubeconfig', cluster.kubeconfigPath, '--kubernetes-context', cluster.contextName, '--kubernetes-namespace', namespace];
}
