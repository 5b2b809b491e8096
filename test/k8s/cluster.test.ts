// The Kubernetes test harness itself: a real control plane starts (API server, controller manager, scheduler, kwok),
// workloads run on kwok's Node and serve logs through the API server, the garbage collector removes what a foreground
// delete owns, kwok's chaos stage fails a pod's containers, the real Seldon Core operator reconciles a
// SeldonDeployment behind its admission webhooks, RBAC holds, and stop() (or the death of the test process) leaves
// no process and no folder behind.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { adminClient, clusterProcessesAlive, createNamespace, startKubeCluster, type KubeCluster } from './cluster.js';
import { KWOK_CRASH_LABEL, KWOK_FAIL_LABEL } from './control-plane.js';
import { waitUntil } from './kube-processes.js';
import { describeKube } from './require-kube.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const GROUP = 'machinelearning.seldon.io';
const sdepApi = { group: GROUP, version: 'v1', plural: 'seldondeployments' };

function seldonDeployment(name: string, modelUri: string, replicas: number) {
  return {
    apiVersion: `${GROUP}/v1`,
    kind: 'SeldonDeployment',
    metadata: { name },
    spec: {
      protocol: 'seldon',
      predictors: [{ name: 'default', replicas, graph: { name: 'classifier', type: 'MODEL', implementation: 'SKLEARN_SERVER', modelUri, children: [] } }],
    },
  };
}

function deployment(name: string, replicas: number, labels: Record<string, string> = {}) {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, ...labels } }, spec: { containers: [{ name: 'classifier', image: 'model-server:1' }] } },
    },
  };
}

function statusCode(error: unknown): number | undefined {
  return (error as { code?: number }).code;
}

describeKube('Kubernetes test cluster: a real control plane with kwok and the real Seldon Core operator', () => {
  let cluster: KubeCluster | undefined;
  const k = () => cluster!;
  const apps = () => adminClient(k()).makeApiClient(AppsV1Api);
  const core = () => adminClient(k()).makeApiClient(CoreV1Api);
  const pods = async (namespace: string, selector: string) => (await core().listNamespacedPod({ namespace, labelSelector: selector })).items;

  beforeAll(async () => {
    cluster = await startKubeCluster({ controller: 'seldon' });
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  test('a Deployment becomes Available with its pods Running and Ready on the kwok Node', async () => {
    await createNamespace(k(), 'workloads');
    await apps().createNamespacedDeployment({ namespace: 'workloads', body: deployment('web', 2) });
    await waitUntil(async () => (await apps().readNamespacedDeployment({ namespace: 'workloads', name: 'web' })).status?.availableReplicas === 2, 60_000, () => 'web never had 2 available replicas');
    const running = await pods('workloads', 'app=web');
    expect(running).toHaveLength(2);
    for (const pod of running) {
      expect(pod.spec?.nodeName).toBe(k().nodeName);
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    }
  });

  test('pod logs come through the API server from kwok, from the file of the container', async () => {
    await waitUntil(async () => (await pods('workloads', 'app=web')).length === 2, 30_000, () => 'no pods');
    const [pod] = await pods('workloads', 'app=web');
    k().appendPodLog('classifier', 'model loaded in 12 ms');
    const text = await core().readNamespacedPodLog({ namespace: 'workloads', name: pod!.metadata!.name!, container: 'classifier' });
    expect(text).toContain('model loaded in 12 ms');
  });

  test('a foreground delete lasts until the garbage collector has removed the ReplicaSets and pods', async () => {
    await apps().deleteNamespacedDeployment({ namespace: 'workloads', name: 'web', propagationPolicy: 'Foreground' });
    // While dependents remain, the Deployment is still there with the foregroundDeletion finalizer.
    const during = await apps().readNamespacedDeployment({ namespace: 'workloads', name: 'web' }).catch(() => undefined);
    if (during) expect(during.metadata?.finalizers).toContain('foregroundDeletion');
    await waitUntil(async () => (await apps().listNamespacedDeployment({ namespace: 'workloads' })).items.length === 0, 60_000, () => 'the Deployment stayed');
    await waitUntil(async () => (await pods('workloads', 'app=web')).length === 0, 60_000, () => 'pods stayed after the Deployment was gone');
  });

  test("kwok's chaos stages: failed init containers keep a pod from ever becoming Ready; a crash fails a Running pod", async () => {
    const withInit = (name: string, label: string) => {
      const d = deployment(name, 1, { [label]: 'true' });
      (d.spec.template.spec as { initContainers?: unknown[] }).initContainers = [{ name: 'model-initializer', image: 'storage-initializer:1' }];
      return d;
    };
    await apps().createNamespacedDeployment({ namespace: 'workloads', body: withInit('broken', KWOK_FAIL_LABEL) });
    await apps().createNamespacedDeployment({ namespace: 'workloads', body: withInit('crashing', KWOK_CRASH_LABEL) });
    const failedPod = async (app: string) => {
      let found: { phase?: string; init?: unknown; main?: unknown; ready: boolean[] } | undefined;
      await waitUntil(
        async () => {
          const failed = (await pods('workloads', `app=${app}`)).find((p) => p.status?.phase === 'Failed');
          if (failed) found = { phase: failed.status?.phase, init: failed.status?.initContainerStatuses?.[0]?.state?.terminated, main: failed.status?.containerStatuses?.[0]?.state, ready: [] };
          return found !== undefined;
        },
        60_000,
        () => `no pod of ${app} failed`,
      );
      return found!;
    };
    expect((await failedPod('broken')).init).toMatchObject({ reason: 'initContainerError', exitCode: 1 });
    expect((await failedPod('crashing')).main).toMatchObject({ terminated: { reason: 'containerFailed', exitCode: 1 } });
    // The failed init container's Deployment never had an available replica; the ReplicaSet keeps replacing its pods.
    expect((await apps().readNamespacedDeployment({ namespace: 'workloads', name: 'broken' })).status?.availableReplicas ?? 0).toBe(0);
    await waitUntil(async () => (await pods('workloads', 'app=broken')).length >= 2, 30_000, () => 'the failed pod was not replaced');
  });

  test('the real operator makes a SeldonDeployment Available, with its Deployment, pods and status (no observedGeneration)', async () => {
    await createNamespace(k(), 'seldon');
    const custom = adminClient(k()).makeApiClient(CustomObjectsApi);
    await custom.createNamespacedCustomObject({ ...sdepApi, namespace: 'seldon', body: seldonDeployment('iris', 's3://models/iris', 2) });
    let sdep: any;
    await waitUntil(
      async () => (sdep = await custom.getNamespacedCustomObject({ ...sdepApi, namespace: 'seldon', name: 'iris' })).status?.state === 'Available',
      90_000,
      () => `iris never became Available: ${JSON.stringify(sdep?.status)}\n${k().processLog('seldon-operator', 20)}`,
    );
    expect(sdep.status.replicas).toBe(2);
    expect(sdep.status.address.url).toContain('iris-default.seldon');
    expect(sdep.status.conditions.map((c: { type: string }) => c.type)).toEqual(expect.arrayContaining(['DeploymentsReady', 'Ready', 'ServicesReady']));
    expect(sdep.status.observedGeneration).toBeUndefined();
    const owned = (await apps().listNamespacedDeployment({ namespace: 'seldon', labelSelector: 'seldon-deployment-id=iris' })).items;
    expect(owned).toHaveLength(1);
    expect(owned[0]!.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'SeldonDeployment', name: 'iris' });
    expect((await pods('seldon', 'seldon-deployment-id=iris')).filter((p) => p.status?.phase === 'Running')).toHaveLength(2);
  });

  test("the operator's validating webhook is registered: what Seldon Core refuses never reaches etcd", async () => {
    const custom = adminClient(k()).makeApiClient(CustomObjectsApi);
    const invalid = seldonDeployment('dup', 's3://models/iris', 1);
    invalid.spec.predictors.push({ ...invalid.spec.predictors[0]! });
    const refused = await custom.createNamespacedCustomObject({ ...sdepApi, namespace: 'seldon', body: invalid }).then(() => undefined, (e: unknown) => e);
    expect(statusCode(refused)).toBeGreaterThanOrEqual(400);
    expect(String((refused as { body?: unknown }).body)).toMatch(/admission webhook \\"v1\.vseldondeployment\.kb\.io\\" denied the request.*Duplicate predictor name/);
    // A pre-packaged server without a model URI is refused the same way (the flavor always sends one).
    const noUri = seldonDeployment('no-uri', '', 1) as any;
    delete noUri.spec.predictors[0].graph.modelUri;
    const refusedUri = await custom.createNamespacedCustomObject({ ...sdepApi, namespace: 'seldon', body: noUri }).then(() => undefined, (e: unknown) => e);
    expect(String((refusedUri as { body?: unknown }).body)).toContain('Predictive unit modelUri required when using standalone servers');
    expect(((await custom.listNamespacedCustomObject({ ...sdepApi, namespace: 'seldon' })) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name)).toEqual(['iris']);
  });

  test('the viewer may read SeldonDeployments, Deployments, pods and logs, and gets 403 on create', async () => {
    const viewer = new KubeConfig();
    viewer.loadFromFile(k().restrictedKubeconfigPath);
    expect(viewer.getCurrentContext()).toBe('zenml-test');
    const custom = viewer.makeApiClient(CustomObjectsApi);
    expect(((await custom.listNamespacedCustomObject({ ...sdepApi, namespace: 'seldon' })) as { items: unknown[] }).items).toHaveLength(1);
    expect((await viewer.makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace: 'seldon' })).items.length).toBeGreaterThan(0);
    const denied = await custom.createNamespacedCustomObject({ ...sdepApi, namespace: 'seldon', body: seldonDeployment('mine', 's3://models/iris', 1) }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(statusCode(denied)).toBe(403);
    const deniedSecret = await viewer.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: 'seldon' }).then(() => undefined, (e: unknown) => e);
    expect(statusCode(deniedSecret)).toBe(403);
  });
});

describeKube('Kubernetes test cluster shutdown', () => {
  test('stop() kills every process of the cluster and removes the folder; a second stop() is a no-op', async () => {
    const cluster = await startKubeCluster({ workloads: true });
    try {
      expect(Object.keys(cluster.pids).sort()).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']);
      expect(clusterProcessesAlive(cluster).sort()).toEqual(Object.values(cluster.pids).sort());
      expect(existsSync(cluster.kubeconfigPath)).toBe(true);
    } finally {
      await cluster.stop();
    }
    expect(clusterProcessesAlive(cluster)).toEqual([]);
    expect(existsSync(cluster.dir)).toBe(false);
    await cluster.stop();
  }, 120_000);

  test('a test process that dies without stop() takes its cluster with it', async () => {
    // A child process starts a cluster, reports it, and is then killed with SIGKILL: no handler of its own runs.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'fixtures/start-and-hang.ts')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    let started: { pids: KubeCluster['pids']; dir: string } | undefined;
    try {
      await waitUntil(
        () => {
          if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}`);
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (line) started = JSON.parse(line) as typeof started;
          return started !== undefined;
        },
        110_000,
        (e) => `the child did not start a cluster (${String(e ?? '')}); stderr:\n${err.slice(-3000)}`,
        200,
      );
    } finally {
      child.kill('SIGKILL');
    }
    expect(Object.keys(started!.pids)).toContain('kwok');
    await waitUntil(() => clusterProcessesAlive(started!).length === 0 && !existsSync(started!.dir), 15_000, () => `still alive: ${clusterProcessesAlive(started!).join(', ')}; dir ${existsSync(started!.dir) ? 'left behind' : 'gone'}`);
  }, 150_000);
});
