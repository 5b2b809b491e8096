// The Kubernetes test harness itself: a real API server starts, serves the CRDs, enforces RBAC, serves pod logs
// through the stand-in kubelet, the stand-in operator answers as Seldon Core does, and stop() (or the death of the
// test process) leaves no process and no folder behind.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, Log, Watch } from '@kubernetes/client-node';
import { adminClient, clusterProcessesAlive, createNamespace, startKubeCluster, type KubeCluster } from './cluster.js';
import { waitUntil } from './kube-processes.js';
import { describeKube } from './require-kube.js';
import { startStandInSeldonOperator, type SeldonDeploymentObject, type StandInSeldonOperator } from './stand-in-seldon-operator.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const GROUP = 'machinelearning.seldon.io';
const sdepApi = { group: GROUP, version: 'v1', plural: 'seldondeployments' };

function seldonDeployment(name: string, modelUri: string, replicas: number, labels: Record<string, string> = {}) {
  return {
    apiVersion: `${GROUP}/v1`,
    kind: 'SeldonDeployment',
    metadata: { name, labels },
    spec: {
      protocol: 'seldon',
      predictors: [
        { name: 'default', replicas, graph: { name: 'classifier', type: 'MODEL', implementation: 'SKLEARN_SERVER', modelUri, children: [] } },
      ],
    },
  };
}

async function getSdep(cluster: KubeCluster, namespace: string, name: string): Promise<SeldonDeploymentObject & { status?: Record<string, unknown> }> {
  return (await adminClient(cluster).makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...sdepApi, namespace, name })) as SeldonDeploymentObject;
}

async function waitForState(cluster: KubeCluster, namespace: string, name: string, state: string): Promise<SeldonDeploymentObject & { status?: Record<string, unknown> }> {
  let last: (SeldonDeploymentObject & { status?: Record<string, unknown> }) | undefined;
  await waitUntil(
    async () => (last = await getSdep(cluster, namespace, name)).status?.state === state,
    20_000,
    () => `${namespace}/${name} did not reach ${state}; last status: ${JSON.stringify(last?.status)}`,
  );
  return last!;
}

async function podNames(cluster: KubeCluster, namespace: string, name: string): Promise<string[]> {
  const pods = await adminClient(cluster).makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector: `seldon-deployment-id=${name}` });
  return pods.items.map((p) => p.metadata!.name!).sort();
}

function statusCode(error: unknown): number | undefined {
  return (error as { code?: number }).code;
}

describeKube('Kubernetes test cluster with the stand-in Seldon operator', () => {
  let cluster: KubeCluster | undefined;
  let operator: StandInSeldonOperator | undefined;
  const k = () => cluster!;

  beforeAll(async () => {
    cluster = await startKubeCluster({ crds: ['seldon'] });
    operator = await startStandInSeldonOperator(cluster, {
      readyDelayMs: 200,
      ignore: (sdep) => sdep.metadata?.labels?.['zenml-test/ignore'] === 'true',
    });
  }, 120_000);

  afterAll(async () => {
    await operator?.stop();
    await cluster?.stop();
  });

  test('the SeldonDeployment CRD is established and served', async () => {
    const crd = await adminClient(k()).makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: `seldondeployments.${GROUP}` });
    expect(crd.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
    const list = (await adminClient(k()).makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ ...sdepApi, namespace: 'default' })) as { items: unknown[] };
    expect(Array.isArray(list.items)).toBe(true);
  });

  test('the stand-in operator drives a SeldonDeployment Creating -> Available, with one pod per replica', async () => {
    await createNamespace(k(), 'drive');
    const states: string[] = [];
    const controller = await new Watch(adminClient(k())).watch(
      `/apis/${GROUP}/v1/namespaces/drive/seldondeployments`,
      { fieldSelector: 'metadata.name=iris' },
      (_type, obj: { status?: { state?: string } }) => {
        const state = obj.status?.state;
        if (state && states.at(-1) !== state) states.push(state);
      },
      () => undefined,
    );
    try {
      await adminClient(k()).makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ ...sdepApi, namespace: 'drive', body: seldonDeployment('iris', 's3://models/iris', 2) });
      const available = await waitForState(k(), 'drive', 'iris', 'Available');
      await waitUntil(() => states.includes('Available'), 10_000, () => `the watch saw ${states.join(' -> ')}`);
      expect(states).toEqual(['Creating', 'Available']);
      expect(available.status).toMatchObject({ replicas: 2, observedGeneration: 1, address: { url: expect.stringContaining('iris-default.drive') } });
    } finally {
      controller.abort();
    }
    const pods = await adminClient(k()).makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'drive', labelSelector: 'seldon-deployment-id=iris' });
    expect(pods.items).toHaveLength(2);
    for (const pod of pods.items) {
      expect(pod.spec!.containers.map((c) => c.name)).toEqual(['classifier']);
      expect(pod.status?.phase).toBe('Running');
    }
  });

  test('pod logs come through the API server from the stand-in kubelet, with tailLines and follow', async () => {
    await createNamespace(k(), 'logs');
    await adminClient(k()).makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ ...sdepApi, namespace: 'logs', body: seldonDeployment('iris', 's3://models/iris', 1) });
    await waitForState(k(), 'logs', 'iris', 'Available');
    const [pod] = await podNames(k(), 'logs', 'iris');
    const core = adminClient(k()).makeApiClient(CoreV1Api);
    const all = await core.readNamespacedPodLog({ namespace: 'logs', name: pod!, container: 'classifier' });
    expect(all).toContain('Downloading model from s3://models/iris');
    const last = await core.readNamespacedPodLog({ namespace: 'logs', name: pod!, container: 'classifier', tailLines: 1 });
    expect(last.trim().split('\n')).toEqual([expect.stringContaining('Listening on')]);

    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const follow = await new Log(adminClient(k())).log('logs', pod!, 'classifier', out, { follow: true, tailLines: 1 });
    try {
      await operator!.log('logs', 'iris', 'a line written after the follow started');
      await waitUntil(() => text.includes('a line written after the follow started'), 10_000, () => `followed log so far: ${JSON.stringify(text)}`);
      expect(text).not.toContain('Downloading model');
      expect(text).toContain('Listening on');
    } finally {
      follow.abort();
    }
    expect(k().kubelet.requests.some((r) => r.startsWith(`/containerLogs/logs/${pod}/classifier?`) && r.includes('follow=true'))).toBe(true);
  });

  test('a model the test marks bad ends Failed with a description', async () => {
    await createNamespace(k(), 'bad');
    await adminClient(k()).makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ ...sdepApi, namespace: 'bad', body: seldonDeployment('broken', 's3://models/bad-model', 1) });
    const failed = await waitForState(k(), 'bad', 'broken', 'Failed');
    expect(failed.status?.description).toContain('s3://models/bad-model');
  });

  test('scaling to 0 and deleting remove the pods (no garbage collector runs: the stand-in operator does it)', async () => {
    await createNamespace(k(), 'scale');
    const custom = adminClient(k()).makeApiClient(CustomObjectsApi);
    await custom.createNamespacedCustomObject({ ...sdepApi, namespace: 'scale', body: seldonDeployment('iris', 's3://models/iris', 2) });
    await waitForState(k(), 'scale', 'iris', 'Available');
    expect(await podNames(k(), 'scale', 'iris')).toHaveLength(2);

    // A predictor's own count wins over spec.replicas (the scale subresource's path), as in Seldon Core.
    await custom.patchNamespacedCustomObjectScale({ ...sdepApi, namespace: 'scale', name: 'iris', body: [{ op: 'replace', path: '/spec/replicas', value: 5 }] });
    await waitUntil(async () => (await getSdep(k(), 'scale', 'iris')).status?.observedGeneration === 2, 20_000, () => 'generation 2 not observed');
    await waitForState(k(), 'scale', 'iris', 'Available');
    expect(await podNames(k(), 'scale', 'iris')).toHaveLength(2);

    await custom.patchNamespacedCustomObject({ ...sdepApi, namespace: 'scale', name: 'iris', body: [{ op: 'replace', path: '/spec/predictors/0/replicas', value: 0 }] });
    await waitUntil(async () => (await podNames(k(), 'scale', 'iris')).length === 0, 20_000, () => 'pods remained after scaling to 0');
    await waitUntil(async () => (await getSdep(k(), 'scale', 'iris')).status?.observedGeneration === 3, 20_000, () => 'generation 3 not observed');

    await custom.deleteNamespacedCustomObject({ ...sdepApi, namespace: 'scale', name: 'iris' });
    await custom.createNamespacedCustomObject({ ...sdepApi, namespace: 'scale', body: seldonDeployment('other', 's3://models/iris', 1) });
    await waitForState(k(), 'scale', 'other', 'Available');
    await custom.deleteNamespacedCustomObject({ ...sdepApi, namespace: 'scale', name: 'other' });
    await waitUntil(async () => (await podNames(k(), 'scale', 'other')).length === 0, 20_000, () => 'pods remained after the delete');
  });

  test('an ignored deployment gets no status and no pods', async () => {
    await createNamespace(k(), 'ignored');
    const custom = adminClient(k()).makeApiClient(CustomObjectsApi);
    await custom.createNamespacedCustomObject({ ...sdepApi, namespace: 'ignored', body: seldonDeployment('stuck', 's3://models/iris', 1, { 'zenml-test/ignore': 'true' }) });
    await custom.createNamespacedCustomObject({ ...sdepApi, namespace: 'ignored', body: seldonDeployment('fine', 's3://models/iris', 1) });
    // Once a deployment created after it is Available, the operator has seen the ignored one too.
    await waitForState(k(), 'ignored', 'fine', 'Available');
    expect((await getSdep(k(), 'ignored', 'stuck')).status).toBeUndefined();
    expect(await podNames(k(), 'ignored', 'stuck')).toEqual([]);
  });

  test('the viewer may read SeldonDeployments, pods and logs, and gets 403 on create', async () => {
    await createNamespace(k(), 'rbac');
    await adminClient(k()).makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ ...sdepApi, namespace: 'rbac', body: seldonDeployment('iris', 's3://models/iris', 1) });
    await waitForState(k(), 'rbac', 'iris', 'Available');
    const viewer = new KubeConfig();
    viewer.loadFromFile(k().restrictedKubeconfigPath);
    expect(viewer.getCurrentContext()).toBe('zenml-test');
    const custom = viewer.makeApiClient(CustomObjectsApi);
    const list = (await custom.listNamespacedCustomObject({ ...sdepApi, namespace: 'rbac' })) as { items: unknown[] };
    expect(list.items).toHaveLength(1);
    const [pod] = await podNames(k(), 'rbac', 'iris');
    expect(await viewer.makeApiClient(CoreV1Api).readNamespacedPodLog({ namespace: 'rbac', name: pod!, container: 'classifier' })).toContain('Model loaded');

    const denied = await custom.createNamespacedCustomObject({ ...sdepApi, namespace: 'rbac', body: seldonDeployment('mine', 's3://models/iris', 1) }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(statusCode(denied)).toBe(403);
    expect(String((denied as { body?: unknown }).body)).toContain('cannot create resource \\"seldondeployments\\"');
    const deniedSecret = await viewer.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: 'rbac' }).then(() => undefined, (e: unknown) => e);
    expect(statusCode(deniedSecret)).toBe(403);
  });

  test('the operator met no API errors', () => {
    expect(operator!.errors).toEqual([]);
  });
});

describeKube('Kubernetes test cluster shutdown', () => {
  test('stop() kills etcd and kube-apiserver and removes the folder; a second stop() is a no-op', async () => {
    const cluster = await startKubeCluster();
    try {
      expect(clusterProcessesAlive(cluster)).toEqual([cluster.pids.etcd, cluster.pids.apiserver]);
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
    await waitUntil(() => clusterProcessesAlive(started!).length === 0 && !existsSync(started!.dir), 15_000, () => `still alive: ${clusterProcessesAlive(started!).join(', ')}; dir ${existsSync(started!.dir) ? 'left behind' : 'gone'}`);
  }, 150_000);
});
