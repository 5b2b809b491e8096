// A real Kubernetes cluster for the tests, without containers: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok (the kubelet of one fake Node: pods scheduled there become Running and Ready, and serve logs
// from files), all built from source by .ci/k8s-env.sh and started on 127.0.0.1 with random ports in a temp folder,
// with RBAC, token authentication, an admin and a restricted kubeconfig, admission webhooks, and — when a test asks —
// the real Seldon Core operator or KServe manager with their own CRDs, config and webhooks (controllers.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { appendFileSync } from 'node:fs';
import { installViewerRole, waitForViewer, writeCredentials } from './cluster-bootstrap.js';
import { criLogLine, kwokNode, NODE_NAME, podLogFile, startControllerManager, startKwok, startScheduler, type ControlPlaneContext } from './control-plane.js';
import { installControllerCrds, startController, type ControllerName, type KserveMode } from './controllers.js';
import { kubeBinaries, kubeBinariesMissingReason, type KubeBinaries } from './kube-binaries.js';
import { writeKubeconfig } from './kubeconfig.js';
import { freePort, isAlive, killGroup, logTail, spawnLogged, startReaper, waitUntil, type KubeProcess } from './kube-processes.js';
import { rawCall, rawCreate, type RawApi } from './raw-api.js';

/** A running test cluster. */
export interface KubeCluster {
  /** `https://127.0.0.1:<port>`. */
  server: string;
  /** Admin (system:masters) kubeconfig; context `zenml-test`, namespace `default`. */
  kubeconfigPath: string;
  /** User `viewer`: may get/list/watch seldondeployments, inferenceservices, pods and pods/log; nothing else. */
  restrictedKubeconfigPath: string;
  /** `zenml-test`, in both kubeconfigs. */
  contextName: string;
  adminToken: string;
  viewerToken: string;
  /** The one Node (kwok's); pods are scheduled onto it when the control plane runs. */
  nodeName: string;
  /** Admin access for manifests sent as they are (raw-api.ts). */
  api: RawApi;
  /** Pids of every process (each leads its own process group), by name. */
  pids: Record<string, number>;
  /** The controller running, if any. */
  controller: ControllerName | undefined;
  /** Append a line to the log kwok serves for every container of this name (logContainers of the options). */
  appendPodLog(container: string, line: string): void;
  /** The last lines of a process's log (etcd, kube-apiserver, kube-controller-manager, kwok, seldon-operator, ...). */
  processLog(name: string, lines?: number): string;
  /** Kill the controller (the CRDs and everything it made stay), as when an operator crashes. */
  stopController(): Promise<void>;
  /** Temp folder holding everything (etcd data, certificates, kubeconfigs, logs). */
  dir: string;
  /** The last lines of the API server's log, for a failing test's message. */
  apiserverLog(lines?: number): string;
  /** Kill kube-apiserver and etcd, remove `dir`. Idempotent. */
  stop(): Promise<void>;
}

/** Options of startKubeCluster. */
export interface KubeClusterOptions {
  /** The real controller to install and run (its CRDs, config, webhooks and binary); implies `workloads`. */
  controller?: ControllerName;
  /** KServe's default deployment mode (the ConfigMap's `deploy`); Standard unless said. */
  kserveMode?: KserveMode;
  /** CRDs to install without their controller (the real ones, from the controllers' config). */
  crds?: ControllerName[];
  /** Start kube-controller-manager, kube-scheduler and kwok (default: when a controller runs). */
  workloads?: boolean;
  /** Containers whose logs kwok serves from files (appendPodLog); default the flavors' model containers. */
  logContainers?: string[];
  /** Bound on the whole start (default 180 s: the machine may be busy, and the KServe manager is slow to serve its webhooks). */
  timeoutMs?: number;
}

const CONTEXT = 'zenml-test';

/** The admission plugins enabled by default that the tests do without: most need controllers that do not run here. */
const DISABLED_ADMISSION = [
  'LimitRanger', 'ServiceAccount', 'TaintNodesByCondition', 'PodSecurity', 'Priority', 'DefaultTolerationSeconds',
  'DefaultStorageClass', 'StorageObjectInUseProtection', 'PodGroupProtection', 'PersistentVolumeClaimResize',
  'RuntimeClass', 'CertificateApproval', 'CertificateSigning', 'ClusterTrustBundleAttest',
  'CertificateSubjectRestriction', 'DefaultIngressClass', 'PodTopologyLabels', 'NodeDeclaredFeatureValidator',
  'PodResizeValidator', 'MutatingAdmissionPolicy', 'ValidatingAdmissionPolicy', 'ResourceQuota',
];

/** The model containers of the flavors' pods: Seldon names it after the graph node, KServe `kserve-container`. */
const MODEL_CONTAINERS = ['classifier', 'kserve-container'];

export { kubeBinaries, kubeBinariesMissingReason } from './kube-binaries.js';

/** Start etcd and kube-apiserver, install RBAC for `viewer`, the Node, and the requested CRDs. */
export async function startKubeCluster(options: KubeClusterOptions = {}): Promise<KubeCluster> {
  const binaries = kubeBinaries();
  if (!binaries) throw new Error(`Cannot start a Kubernetes API server: ${kubeBinariesMissingReason()}`);
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  // A port picked free can be taken before the server binds it: start again on new ports (twice at most).
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binaries, options, deadline);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt === 3) throw error;
    }
  }
}

/** Create a namespace (as admin). */
export async function createNamespace(cluster: KubeCluster, name: string): Promise<void> {
  await adminClient(cluster).makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
}

/** A KubeConfig of the admin user, for tests and the stand-in operator. */
export function adminClient(cluster: Pick<KubeCluster, 'kubeconfigPath'>): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  return kc;
}

class PortTakenError extends Error {}

async function startOnce(binaries: KubeBinaries, options: KubeClusterOptions, deadline: number): Promise<KubeCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'zenml-kube-'));
  const reaper = startReaper();
  reaper.removeOnExit(dir);
  const procs: KubeProcess[] = [];
  const launch = (name: string, binary: string, args: string[], env?: NodeJS.ProcessEnv): KubeProcess => {
    const proc = spawnLogged(name, binary, args, path.join(dir, `${name}.log`), dir, env && { ...process.env, ...env });
    procs.push(proc);
    reaper.watch(proc.pid);
    return proc;
  };
  const kill = async (targets: KubeProcess[]) => {
    for (const proc of targets) killGroup(proc.pid);
    // A ref'd timer: the children are unref'd, and awaiting only their exit could let node leave mid-stop.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(targets.map((p) => p.exited)), new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
  };
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      // Controllers first, so none of them logs the API server's disappearance as its last words.
      await kill([...procs].reverse());
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      reaper.disarm();
    })());

  try {
    const [clientPort, peerPort, securePort] = [await freePort(), await freePort(), await freePort()];
    const etcd = launch('etcd', binaries.etcd, etcdArgs(dir, clientPort, peerPort));
    await waitForProcess(etcd, deadline, async () => {
      const res = await fetch(`http://127.0.0.1:${clientPort}/health`, { signal: AbortSignal.timeout(2000) });
      return res.ok && ((await res.json()) as { health?: string }).health === 'true';
    });

    const adminToken = randomBytes(24).toString('hex');
    const viewerToken = randomBytes(24).toString('hex');
    writeCredentials(dir, adminToken, viewerToken);
    const apiserver = launch('kube-apiserver', binaries.apiserver, apiserverArgs(dir, clientPort, securePort));
    const server = `https://127.0.0.1:${securePort}`;
    await waitForProcess(apiserver, deadline, async () => (await httpsGet(`${server}/readyz`, adminToken)).status === 200);

    const certDir = path.join(dir, 'pki');
    const certPath = path.join(certDir, 'apiserver.crt');
    const keyPath = path.join(certDir, 'apiserver.key');
    const caPem = readFileSync(certPath, 'utf8');
    const kubeconfigPath = path.join(dir, 'admin.kubeconfig');
    const restrictedKubeconfigPath = path.join(dir, 'viewer.kubeconfig');
    writeKubeconfig(kubeconfigPath, { server, caPem, contextName: CONTEXT, user: 'admin', token: adminToken });
    writeKubeconfig(restrictedKubeconfigPath, { server, caPem, contextName: CONTEXT, user: 'viewer', token: viewerToken });
    const api: RawApi = { server, caPem, token: adminToken };

    const kc = adminClient({ kubeconfigPath });
    await installViewerRole(kc.makeApiClient(RbacAuthorizationV1Api));
    await rawCreate(api, kwokNode() as never);

    const controller = options.controller;
    if (options.workloads ?? !!controller) {
      const ctx: ControlPlaneContext = { dir, kubeconfigPath, certPath, saKeyPath: path.join(dir, 'sa.key'), start: launch };
      const logContainers = options.logContainers ?? MODEL_CONTAINERS;
      const started = [await startControllerManager(binaries, ctx), await startScheduler(binaries, ctx), (await startKwok(binaries, ctx, logContainers)).proc];
      // Ready when kwok has taken the Node (Ready) and the controller manager made the default namespace's ServiceAccount.
      await waitForProcesses(started, deadline, async () => {
        const node = await rawCall<{ status?: { conditions?: { type: string; status: string }[] } }>(api, 'GET', `/api/v1/nodes/${NODE_NAME}`);
        if (!node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return false;
        await rawCall(api, 'GET', '/api/v1/namespaces/default/serviceaccounts/default');
        return true;
      });
    }
    for (const crds of options.crds ?? []) if (crds !== controller) await installControllerCrds(binaries, { api }, crds);
    let controllerProc: KubeProcess | undefined;
    if (controller) {
      controllerProc = await startController(binaries, { dir, api, kubeconfigPath, certPath, keyPath, start: launch }, controller, options.kserveMode);
    }
    await waitForViewer(restrictedKubeconfigPath, deadline);

    const byName = (name: string) => procs.find((p) => p.name === name);
    return {
      server,
      kubeconfigPath,
      restrictedKubeconfigPath,
      contextName: CONTEXT,
      adminToken,
      viewerToken,
      nodeName: NODE_NAME,
      api,
      pids: Object.fromEntries(procs.map((p) => [p.name, p.pid])),
      controller,
      dir,
      appendPodLog: (container, line) => appendFileSync(podLogFile(dir, container), criLogLine(line)),
      processLog: (name, lines = 30) => {
        const proc = byName(name);
        return proc ? logTail(proc, lines) : `    (no process ${name})`;
      },
      apiserverLog: (lines = 30) => logTail(apiserver, lines),
      stopController: async () => {
        if (controllerProc) await kill([controllerProc]);
      },
      stop,
    };
  } catch (error) {
    const taken = procs.some((p) => /address already in use/.test(safeRead(p.logPath)));
    await stop();
    if (taken) throw new PortTakenError(String(error));
    throw error;
  }
}

function etcdArgs(dir: string, clientPort: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    '--name', 'zenml-test',
    '--data-dir', path.join(dir, 'etcd'),
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `zenml-test=${peer}`,
    // Throwaway data: durability buys nothing and fsyncs are slow on a busy disk.
    '--unsafe-no-fsync',
    '--log-level', 'warn',
  ];
}

function apiserverArgs(dir: string, etcdPort: number, securePort: number): string[] {
  return [
    '--etcd-servers', `http://127.0.0.1:${etcdPort}`,
    '--bind-address', '127.0.0.1', '--advertise-address', '127.0.0.1', '--secure-port', String(securePort),
    '--cert-dir', path.join(dir, 'pki'),
    '--token-auth-file', path.join(dir, 'tokens.csv'),
    '--authorization-mode', 'RBAC',
    '--service-account-key-file', path.join(dir, 'sa.pub'),
    '--service-account-signing-key-file', path.join(dir, 'sa.key'),
    '--service-account-issuer', 'https://kubernetes.default.svc',
    // The default reconciler refuses a loopback advertise address, and no one reads the endpoints here.
    '--endpoint-reconciler-type', 'none',
    '--service-cluster-ip-range', '10.0.0.0/24',
    '--enable-admission-plugins', 'NamespaceLifecycle',
    '--disable-admission-plugins', DISABLED_ADMISSION.join(','),
    // kwok's kubelet server listens on 127.0.0.1, the Node's InternalIP.
    '--kubelet-preferred-address-types', 'InternalIP',
    '--shutdown-delay-duration', '0s',
    '--profiling=false',
  ];
}

/** Wait for `probe` while the process runs; fail with its log when it exits or the deadline passes. */
async function waitForProcess(proc: KubeProcess, deadline: number, probe: () => Promise<boolean>): Promise<void> {
  await waitUntil(
    async () => {
      if (proc.exit) throw new ExitedError();
      return probe();
    },
    Math.max(1000, deadline - Date.now()),
    (error) =>
      error instanceof ExitedError || proc.exit
        ? `${proc.name} exited (${proc.exit?.code ?? proc.exit?.signal}) before it was ready; last lines of ${proc.logPath}:\n${logTail(proc)}`
        : `${proc.name} was not ready in time${error ? ` (last probe: ${String(error)})` : ''}; last lines of ${proc.logPath}:\n${logTail(proc)}`,
    150,
  );
}

/** waitForProcess over several processes: fails as soon as any of them exits. */
async function waitForProcesses(procs: KubeProcess[], deadline: number, probe: () => Promise<boolean>): Promise<void> {
  await waitUntil(
    async () => {
      const gone = procs.find((p) => p.exit);
      if (gone) throw new Error(`${gone.name} exited (${gone.exit?.code ?? gone.exit?.signal}); last lines of ${gone.logPath}:\n${logTail(gone)}`);
      return probe();
    },
    Math.max(1000, deadline - Date.now()),
    (error) => `the control plane was not ready in time${error ? ` (${String(error)})` : ''}; last lines of ${procs.map((p) => `${p.logPath}:\n${logTail(p, 10)}`).join('\n')}`,
    150,
  );
}

class ExitedError extends Error {}

function httpsGet(url: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // Before the kubeconfig exists there is no CA to check against; this probe reads only /readyz.
    const req = request(url, { headers: { authorization: `Bearer ${token}` }, rejectUnauthorized: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Whether any of the cluster's processes still runs (for tests of stop()). */
export function clusterProcessesAlive(cluster: Pick<KubeCluster, 'pids'>): number[] {
  return Object.values(cluster.pids).filter(isAlive);
}

