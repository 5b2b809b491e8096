/**
 * Figure 6, cluster deploy: `zenml model-deployer deploy` → active with the `seldon` and `kserve` flavors against the
 * real controllers (Seldon Core 1.17.1's operator, KServe 0.20.0's manager in Standard mode) on the tests' cluster
 * (test/k8s/cluster.ts: kube-apiserver, controller manager, scheduler, a kwok Node whose pods run no containers).
 * "active" means what the flavors wait for: the controller has rolled the spec out to its Deployments, every replica
 * available. No container starts, so this is the control loop's cost, not a model's load time.
 */
import { createNamespace, kubeBinaries, kubeBinariesMissingReason, startKubeCluster } from '../test/k8s/cluster.js';
import type { BenchOptions } from './options.js';
import type { BenchProject } from './project.js';
import { summarize, type Summary } from './stats.js';

/** One flavor's figure. */
export interface ClusterDeployFigure {
  /** Wall time of `deploy --json` until it printed an active server, ms. */
  deploy: Summary;
  /** Starting the control plane and the controller (context, not a target). */
  clusterStartMs: number;
}

/** What figure 6 measured, per flavor. */
export type ClusterDeployResult = Partial<Record<'seldon' | 'kserve', ClusterDeployFigure | { error: string }>>;

/** Measure figure 6; skipped, with the reason, without the binaries of .ci/k8s-env.sh. */
export async function measureClusterDeploy(project: BenchProject, options: BenchOptions, log: (m: string) => void): Promise<ClusterDeployResult | { skipped: string }> {
  if (!kubeBinaries()) {
    log(`cluster skipped: ${kubeBinariesMissingReason()}`);
    return { skipped: kubeBinariesMissingReason() };
  }
  const result: ClusterDeployResult = {};
  for (const flavor of ['seldon', 'kserve'] as const) {
    const started = performance.now();
    const cluster = await startKubeCluster({ controller: flavor });
    try {
      const clusterStartMs = Math.round(performance.now() - started);
      await createNamespace(cluster, 'bench');
      const deployer = `bench-${flavor}-deploy`; // not the seldon find figure's bench-seldon, which the same project may hold
      await project.zenml(['model-deployer', 'register', deployer, '--flavor', flavor, '-c', `kubeconfig=${cluster.kubeconfigPath}`, '-c', 'kubernetesNamespace=bench', '-c', 'baseUrl=http://ingress.bench.example']);
      const times: number[] = [];
      for (let i = 0; i < options.deployRuns; i++) {
        const t = performance.now();
        const out = await project.zenml(['model-deployer', 'deploy', '--json', '--deployer', deployer, '--model-uri', `s3://bench-models/iris-${i}`, '--model-name', `iris-${i}`, '--model-type', 'sklearn', '--timeout', '120'], 150_000);
        times.push(performance.now() - t);
        const state = (JSON.parse(out.stdout) as { state?: string }).state;
        if (state !== 'active') throw new Error(`${flavor} deploy ${i} ended ${state}`);
      }
      result[flavor] = { deploy: summarize(times, 'ms'), clusterStartMs };
      log(`${flavor} deploy → active on the real controller: median ${result[flavor] && 'deploy' in result[flavor]! ? (result[flavor] as ClusterDeployFigure).deploy.median : '?'} ms (cluster started in ${clusterStartMs} ms)`);
    } catch (error) {
      result[flavor] = { error: (error as Error).message.slice(0, 2000) };
      log(`${flavor} cluster deploy failed: ${(error as Error).message}`);
    } finally {
      await cluster.stop();
    }
  }
  return result;
}
