// A real Kubernetes API server for the tests: etcd and kube-apiserver (built from source by .ci/k8s-env.sh) started
// on 127.0.0.1 with random ports in a temp folder, with RBAC, token authentication, an admin and a restricted
// kubeconfig, the CRDs a test asks for, and one Node whose kubelet is a stand-in that serves pod logs. No controller
// manager, scheduler or kubelet runs: nothing creates, schedules or garbage-collects pods unless the test does.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { installViewerRole, NODE_NAME, registerNode, waitForViewer, writeCredentials } from './cluster-bootstrap.js';
import { installCrd, type CrdName } from './crds.js';
import { kubeBinaries, kubeBinariesMissingReason } from './kube-binaries.js';
import { writeKubeconfig } from './kubeconfig.js';
import { freePort, isAlive, killGroup, logTail, spawnLogged, startReaper, waitUntil, type KubeProcess } from './kube-processes.js';
import { startStandInKubelet, type StandInKubelet } from './stand-in-kubelet.js';

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
  /** The one Node; pods bound to it (spec.nodeName) have their logs served by `kubelet`. */
  nodeName: string;
  kubelet: StandInKubelet;
  /** Pids of etcd and kube-apiserver (each leads its own process group). */
  pids: { etcd: number; apiserver: number };
  /** Temp folder holding everything (etcd data, certificates, kubeconfigs, logs). */
  dir: string;
  /** The last lines of the API server's log, for a failing test's message. */
  apiserverLog(lines?: number): string;
  /** Kill kube-apiserver and etcd, remove `dir`. Idempotent. */
  stop(): Promise<void>;
}

/** Options of startKubeCluster. */
export interface KubeClusterOptions {
  /** CRDs to install and wait for. */
  crds?: CrdName[];
  /** Bound on the whole start (default 90 s: the machine may be busy). */
  timeoutMs?: number;
}

const CONTEXT = 'zenml-test';

/** The admission plugins enabled by default that the tests do without: most need controllers that do not run here. */
const DISABLED_ADMISSION = [
  'LimitRanger', 'ServiceAccount', 'TaintNodesByCondition', 'PodSecurity', 'Priority', 'DefaultTolerationSeconds',
  'DefaultStorageClass', 'StorageObjectInUseProtection', 'PodGroupProtection', 'PersistentVolumeClaimResize',
  'RuntimeClass', 'CertificateApproval', 'CertificateSigning', 'ClusterTrustBundleAttest',
  'CertificateSubjectRestriction', 'DefaultIngressClass', 'PodTopologyLabels', 'NodeDeclaredFeatureValidator',
  'PodResizeValidator', 'MutatingAdmissionPolicy', 'MutatingAdmissionWebhook', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionWebhook', 'ResourceQuota',
];

export { kubeBinaries, kubeBinariesMissingReason } from './kube-binaries.js';

/** Start etcd and kube-apiserver, install RBAC for `viewer`, the Node, and the requested CRDs. */
export async function startKubeCluster(options: KubeClusterOptions = {}): Promise<KubeCluster> {
  const binaries = kubeBinaries();
  if (!binaries) throw new Error(`Cannot start a Kubernetes API server: ${kubeBinariesMissingReason()}`);
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  // A port picked free can be taken before the server binds it: start again on new ports (twice at most).
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binaries, options.crds ?? [], deadline);
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

async function startOnce(binaries: { apiserver: string; etcd: string }, crds: CrdName[], deadline: number): Promise<KubeCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'zenml-kube-'));
  const reaper = startReaper();
  reaper.removeOnExit(dir);
  const procs: KubeProcess[] = [];
  let kubelet: StandInKubelet | undefined;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      for (const proc of procs) killGroup(proc.pid);
      // A ref'd timer: the children are unref'd, and awaiting only their exit could let node leave mid-stop.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(procs.map((p) => p.exited)), new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
      await kubelet?.stop();
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      reaper.disarm();
    })());

  try {
    const [clientPort, peerPort, securePort] = [await freePort(), await freePort(), await freePort()];
    const etcd = spawnLogged('etcd', binaries.etcd, etcdArgs(dir, clientPort, peerPort), path.join(dir, 'etcd.log'), dir);
    procs.push(etcd);
    reaper.watch(etcd.pid);
    await waitForProcess(etcd, deadline, async () => {
      const res = await fetch(`http://127.0.0.1:${clientPort}/health`, { signal: AbortSignal.timeout(2000) });
      return res.ok && ((await res.json()) as { health?: string }).health === 'true';
    });

    const adminToken = randomBytes(24).toString('hex');
    const viewerToken = randomBytes(24).toString('hex');
    writeCredentials(dir, adminToken, viewerToken);
    const apiserver = spawnLogged('kube-apiserver', binaries.apiserver, apiserverArgs(dir, clientPort, securePort), path.join(dir, 'apiserver.log'), dir);
    procs.push(apiserver);
    reaper.watch(apiserver.pid);
    const server = `https://127.0.0.1:${securePort}`;
    await waitForProcess(apiserver, deadline, async () => (await httpsGet(`${server}/readyz`, adminToken)).status === 200);

    const certDir = path.join(dir, 'pki');
    const caPem = readFileSync(path.join(certDir, 'apiserver.crt'), 'utf8');
    const kubeconfigPath = path.join(dir, 'admin.kubeconfig');
    const restrictedKubeconfigPath = path.join(dir, 'viewer.kubeconfig');
    writeKubeconfig(kubeconfigPath, { server, caPem, contextName: CONTEXT, user: 'admin', token: adminToken });
    writeKubeconfig(restrictedKubeconfigPath, { server, caPem, contextName: CONTEXT, user: 'viewer', token: viewerToken });

    kubelet = await startStandInKubelet({ cert: readFileSync(path.join(certDir, 'apiserver.crt')), key: readFileSync(path.join(certDir, 'apiserver.key')) });
    const kc = adminClient({ kubeconfigPath });
    await installViewerRole(kc.makeApiClient(RbacAuthorizationV1Api));
    await registerNode(kc.makeApiClient(CoreV1Api), kubelet.port);
    for (const crd of crds) await installCrd(kc.makeApiClient(ApiextensionsV1Api), kc.makeApiClient(CustomObjectsApi), crd, Math.max(1000, deadline - Date.now()));
    await waitForViewer(restrictedKubeconfigPath, deadline);

    const etcdPid = etcd.pid;
    const apiserverPid = apiserver.pid;
    return {
      server,
      kubeconfigPath,
      restrictedKubeconfigPath,
      contextName: CONTEXT,
      adminToken,
      viewerToken,
      nodeName: NODE_NAME,
      kubelet,
      pids: { etcd: etcdPid, apiserver: apiserverPid },
      dir,
      apiserverLog: (lines = 30) => logTail(apiserver, lines),
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
    // The stand-in kubelet listens on 127.0.0.1, the Node's InternalIP.
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
  return [cluster.pids.etcd, cluster.pids.apiserver].filter(isAlive);
}

