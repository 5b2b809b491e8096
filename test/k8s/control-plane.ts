// The rest of a control plane beside the API server: kube-controller-manager (Deployments, ReplicaSets, the garbage
// collector, namespaces), kube-scheduler, and kwok as the kubelet of one fake Node, so that pods are scheduled, become
// Running and Ready without containers, serve logs from files, and can be made to fail (kwok's chaos stage).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { KubeBinaries } from './kube-binaries.js';
import { freePort, type KubeProcess } from './kube-processes.js';

/** The Node every pod runs on. */
export const NODE_NAME = 'kwok-node-0';

/**
 * The label (value "true") that makes kwok fail a pod's init containers, so the pod never becomes Ready: a model
 * initializer that cannot download the model (kwok's chaos stage pod-init-container-running-failed).
 */
export const KWOK_FAIL_LABEL = 'pod-init-container-running-failed.stage.kwok.x-k8s.io';
/** The label that makes kwok fail a Running pod's containers about a second after it became Ready (a crash). */
export const KWOK_CRASH_LABEL = 'pod-container-running-failed.stage.kwok.x-k8s.io';

/** What the processes need from the cluster that starts them. */
export interface ControlPlaneContext {
  dir: string;
  kubeconfigPath: string;
  /** The API server's serving certificate (also the service-account root CA handed to the controller manager). */
  certPath: string;
  saKeyPath: string;
  start(name: string, binary: string, args: string[], env?: NodeJS.ProcessEnv): KubeProcess;
}

/** kube-controller-manager with every controller but service-account tokens (no ServiceAccount admission here). */
export async function startControllerManager(bins: KubeBinaries, ctx: ControlPlaneContext): Promise<KubeProcess> {
  return ctx.start('kube-controller-manager', bins.controllerManager, [
    '--kubeconfig', ctx.kubeconfigPath,
    '--leader-elect=false',
    '--bind-address', '127.0.0.1', '--secure-port', String(await freePort()),
    '--controllers', '*,-serviceaccount-token',
    '--use-service-account-credentials=false',
    '--service-account-private-key-file', ctx.saKeyPath,
    '--root-ca-file', ctx.certPath,
    // A test's objects are few: the garbage collector and the workload controllers react at once without more workers.
    '--concurrent-deployment-syncs', '2', '--concurrent-replicaset-syncs', '2', '--concurrent-gc-syncs', '5',
  ]);
}

/** kube-scheduler, binding pods to the kwok Node. */
export async function startScheduler(bins: KubeBinaries, ctx: ControlPlaneContext): Promise<KubeProcess> {
  return ctx.start('kube-scheduler', bins.scheduler, [
    '--kubeconfig', ctx.kubeconfigPath,
    '--leader-elect=false',
    '--bind-address', '127.0.0.1', '--secure-port', String(await freePort()),
  ]);
}

/** Where kwok reads a container's log lines from: one CRI-format file per container name, under `<dir>/pod-logs/`. */
export function podLogFile(dir: string, container: string): string {
  return path.join(dir, 'pod-logs', `${container}.log`);
}

/**
 * kwok, managing every Node, with the stages of its module's kustomize/stage (node initialize and heartbeat, pods
 * ready, complete, deleted, and the chaos stages that fail the init containers (KWOK_FAIL_LABEL=true) or the containers
 * (KWOK_CRASH_LABEL=true) of a pod),
 * and ClusterLogs mapping each of `logContainers` to its file (podLogFile) for `GET .../pods/<pod>/log`.
 * Returns the process and the port of its kubelet server (TLS, which the API server reaches for logs).
 */
export async function startKwok(bins: KubeBinaries, ctx: ControlPlaneContext, logContainers: string[]): Promise<{ proc: KubeProcess; port: number }> {
  const stages = [
    'node/fast/node-initialize.yaml',
    'node/heartbeat/node-heartbeat.yaml',
    'pod/fast/pod-ready.yaml',
    'pod/fast/pod-complete.yaml',
    'pod/fast/pod-delete.yaml',
    'pod/chaos/pod-container-running-failed.yaml',
    'pod/chaos/pod-init-container-running-failed.yaml',
  ].map((file) => readFileSync(path.join(bins.kwokStages, file), 'utf8').trim());
  mkdirSync(path.join(ctx.dir, 'pod-logs'), { recursive: true });
  const logs = logContainers.map((container) =>
    stringify({
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterLogs',
      metadata: { name: `logs-${container}` },
      spec: { logs: [{ containers: [container], logsFile: podLogFile(ctx.dir, container), follow: true }] },
    }).trim(),
  );
  for (const container of logContainers) writeFileSync(podLogFile(ctx.dir, container), '', { flag: 'a' });
  const config = path.join(ctx.dir, 'kwok.yaml');
  writeFileSync(config, [...stages, ...logs].join('\n---\n') + '\n');
  const port = await freePort();
  const proc = ctx.start('kwok', bins.kwok, [
    '--kubeconfig', ctx.kubeconfigPath,
    '--config', config,
    '--manage-all-nodes=true',
    '--node-ip', '127.0.0.1',
    '--node-port', String(port),
    '--server-address', `127.0.0.1:${port}`,
  ]);
  return { proc, port };
}

/** The fake Node kwok manages (kwok fills in its status: Ready, capacity, the kubelet endpoint). */
export function kwokNode(): object {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: NODE_NAME,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { 'kubernetes.io/hostname': NODE_NAME, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
    },
    status: { allocatable: { cpu: '32', memory: '256Gi', pods: '110' }, capacity: { cpu: '32', memory: '256Gi', pods: '110' } },
  };
}

/** A log line in the CRI format kwok reads (`<RFC 3339 time> stdout F <line>`). */
export function criLogLine(line: string, when = new Date()): string {
  return `${when.toISOString()} stdout F ${line}\n`;
}

