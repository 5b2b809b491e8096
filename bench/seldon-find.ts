/**
 * Figure 5, seldon find: `zenml model-deployer find --json` with the `seldon` flavor over 1,000 SeldonDeployments in
 * a real Kubernetes API server (the tests' harness, test/k8s/cluster.ts), all printed and one pipeline step's looked up.
 * `find` rebuilds every service from the cluster alone: one list call, then the services from their annotations.
 */
import { randomUUID } from 'node:crypto';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { SeldonModelDeployer, seldonSettingsSchema } from '../src/integrations/seldon/index.js';
import { parseServiceConfig, type ServiceConfigInput } from '../src/services/service-config.js';
import { adminClient, createNamespace, kubeBinaries, kubeBinariesMissingReason, startKubeCluster, type KubeCluster } from '../test/k8s/cluster.js';
import type { BenchOptions } from './options.js';
import type { BenchProject } from './project.js';
import { LOOKUP_ARGS, timeFind } from './scale.js';
import type { Summary } from './stats.js';

const NAMESPACE = 'bench';

/** What figure 5 measured. */
export interface SeldonFindResult {
  deployments: number;
  /** `find --json --deployer bench-seldon`: every service printed. */
  find: Summary;
  /** The same with LOOKUP_ARGS (pipeline, step, model): deployments / 50 printed. */
  lookup: Summary;
  lookupMatches: number;
  /** For context, not targets: starting etcd + kube-apiserver, and creating the deployments through the flavor. */
  clusterStartMs: number;
  seedMs: number;
}

/**
 * The flavor's own deploy path (manifest builder, labels, the service annotation, create through the client) without
 * deployModel's check for an identical running server, which lists every deployment first: seeding 1,000 that way
 * would measure 1,000 growing list calls instead of the figure's setup.
 */
class SeedingSeldonDeployer extends SeldonModelDeployer {
  /** Create one SeldonDeployment for `config`, not waiting for it; resolves with its resource name. */
  async seed(config: ServiceConfigInput): Promise<string> {
    const service = await this.performDeployModel(randomUUID(), parseServiceConfig(config), 0);
    return String(service.extra.resourceName);
  }
}

/** A started cluster with `count` SeldonDeployments created by the flavor, and the settings that reach them. */
export interface SeededCluster {
  cluster: KubeCluster;
  settings: { kubeconfig: string; kubernetesNamespace: string; baseUrl: string };
  clusterStartMs: number;
  seedMs: number;
}

/** Start the test harness's API server and create `count` SeldonDeployments in it (the caller stops the cluster). */
export async function seedSeldonCluster(project: Pick<BenchProject, 'dir' | 'stateDir'>, count: number): Promise<SeededCluster> {
  if (!kubeBinaries()) throw new Error(`the seldon figure needs a Kubernetes API server: ${kubeBinariesMissingReason()}`);
  let started = performance.now();
  const cluster = await startKubeCluster({ crds: ['seldon'] });
  try {
    const clusterStartMs = Math.round(performance.now() - started);
    await createNamespace(cluster, NAMESPACE);
    const settings = { kubeconfig: cluster.kubeconfigPath, kubernetesNamespace: NAMESPACE, baseUrl: 'http://ingress.bench.example' };
    const deployer = new SeedingSeldonDeployer(seldonSettingsSchema.parse(settings), {
      name: 'bench-seldon',
      configDir: project.dir,
      stateDir: project.stateDir('bench-seldon'),
      log: () => undefined,
    });
    // The Seldon operator's answer, written as it would write it: find then reads Available deployments.
    const status = adminClient(cluster).makeApiClient(CustomObjectsApi);
    started = performance.now();
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < count; i = next++) {
        const name = await deployer.seed({
          modelName: 'iris',
          modelType: 'sklearn',
          modelUri: `s3://bench-models/iris/${i}`,
          pipelineName: 'bench',
          pipelineStepName: `step-${i % 50}`,
          pipelineRunId: `run-${i}`,
        });
        await status.patchNamespacedCustomObjectStatus({
          group: 'machinelearning.seldon.io',
          version: 'v1',
          namespace: NAMESPACE,
          plural: 'seldondeployments',
          name,
          body: [{ op: 'add', path: '/status', value: { state: 'Available', replicas: 1, observedGeneration: 1, address: { url: `http://${name}-default.${NAMESPACE}.svc.cluster.local:8000/api/v1.0/predictions` } } }],
        });
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    return { cluster, settings, clusterStartMs, seedMs: Math.round(performance.now() - started) };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

/** Measure figure 5; skipped, with the reason, without the kube-apiserver and etcd binaries of .ci/k8s-env.sh. */
export async function measureSeldonFind(project: BenchProject, options: BenchOptions, log: (m: string) => void): Promise<SeldonFindResult | { skipped: string }> {
  if (!kubeBinaries()) {
    log(`seldon skipped: ${kubeBinariesMissingReason()}`);
    return { skipped: kubeBinariesMissingReason() };
  }
  const count = options.seldonDeployments;
  const { cluster, settings, clusterStartMs, seedMs } = await seedSeldonCluster(project, count);
  try {
    log(`created ${count} SeldonDeployments in ${seedMs} ms (cluster started in ${clusterStartMs} ms)`);
    await project.zenml(['model-deployer', 'register', 'bench-seldon', '--flavor', 'seldon', ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])]);
    const find = ['model-deployer', 'find', '--json', '--deployer', 'bench-seldon'];
    const all = await timeFind(project, find, options.findRuns, count);
    const lookup = await timeFind(project, [...find, ...LOOKUP_ARGS], options.findRuns, count / 50);
    log(`seldon find over ${count} SeldonDeployments: ${all.median} ms; lookup among them: ${lookup.median} ms`);
    return { deployments: count, find: all, lookup, lookupMatches: count / 50, clusterStartMs, seedMs };
  } finally {
    await cluster.stop();
  }
}
