// The Kubernetes client layer in-process against a real kube-apiserver (test/k8s/cluster.ts): the 409 retry of
// `modify` provoked by a real concurrent write, merge patches that leave others' fields alone, waiting for a
// delete that a finalizer holds up, and a kind the API server does not serve. No operator runs here.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { TimeoutError } from '../../src/errors.js';
import { KubeClient } from '../../src/integrations/kubernetes/kube-client.js';
import { adminClient, createNamespace, startKubeCluster, type KubeCluster } from '../k8s/cluster.js';
import { describeKube } from '../k8s/require-kube.js';
import { SELDON_DEPLOYMENT } from '../../src/integrations/seldon/seldon-kind.js';
import { TempDirs } from '../helpers/temp.js';

const GROUP = 'machinelearning.seldon.io';
const temps = new TempDirs();
afterAll(() => temps.cleanup());

describeKube('KubeClient against a real Kubernetes API server', () => {
  let cluster: KubeCluster;
  let objects: CustomObjectsApi;
  let client: KubeClient;
  const ns = 'client-test';

  beforeAll(async () => {
    // The controller manager runs: delete is foreground, and only its garbage collector lifts foregroundDeletion.
    cluster = await startKubeCluster({ crds: ['seldon'], workloads: true });
    objects = adminClient(cluster).makeApiClient(CustomObjectsApi);
    await createNamespace(cluster, ns);
    client = await KubeClient.connect({ kubeconfig: cluster.kubeconfigPath, kubernetesContext: 'zenml-test', kubernetesNamespace: ns }, temps.dir());
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  const body = (name: string, extra: Record<string, unknown> = {}) => ({
    metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'zenml' }, ...extra },
    spec: { predictors: [{ name: 'default', replicas: 1, graph: { name: 'classifier', modelUri: 's3://m/a' } }] },
  });

  /** A write by someone else (a JSON patch as admin): bumps the resourceVersion. */
  const otherWriter = (name: string, value: string) =>
    objects.patchNamespacedCustomObject({ group: GROUP, version: 'v1', namespace: ns, plural: 'seldondeployments', name, body: [{ op: 'add', path: '/metadata/labels/other', value }] });

  test('modify re-reads and re-applies after a 409 caused by a concurrent writer; nothing else is lost', async () => {
    await client.create(SELDON_DEPLOYMENT, body('conflict'));
    const seen: Array<string | undefined> = [];
    const updated = await client.modify(SELDON_DEPLOYMENT, 'conflict', async (live) => {
      seen.push(live.metadata.labels?.other);
      // The first time, someone else writes between our read and our patch: our resourceVersion is stale.
      if (seen.length === 1) await otherWriter('conflict', 'writer');
      return { metadata: { annotations: { mine: String(seen.length) } } };
    });
    expect(seen).toEqual([undefined, 'writer']);
    expect(updated.metadata.annotations).toEqual({ mine: '2' });
    expect(updated.metadata.labels).toMatchObject({ other: 'writer', 'app.kubernetes.io/managed-by': 'zenml' });
  });

  test('modify gives up after a few conflicts in a row with one KUBERNETES_CONFLICT error (exit 1)', async () => {
    await client.create(SELDON_DEPLOYMENT, body('always-conflict'));
    let calls = 0;
    const error = await client
      .modify(SELDON_DEPLOYMENT, 'always-conflict', async () => {
        calls += 1;
        await otherWriter('always-conflict', `w${calls}`);
        return { metadata: { annotations: { n: String(calls) } } };
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KUBERNETES_CONFLICT', exitCode: 1 });
    expect(calls).toBe(6);
    expect((await client.get(SELDON_DEPLOYMENT, 'always-conflict'))!.metadata.annotations).toBeUndefined();
  });

  test('a delete held up by a finalizer times out naming it (exit 4); it goes once the finalizer is removed', async () => {
    await client.create(SELDON_DEPLOYMENT, body('held', { finalizers: ['example.com/hold'] }));
    await client.delete(SELDON_DEPLOYMENT, 'held');
    const error = await client.waitUntilGone(SELDON_DEPLOYMENT, 'held', 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ exitCode: 4, message: expect.stringMatching(/SeldonDeployment 'held' in namespace 'client-test' was still there after 1s/), suggestion: 'it waits for finalizers: example.com/hold, foregroundDeletion (the garbage collector deletes what it owns first)' });
    await client.patch(SELDON_DEPLOYMENT, 'held', { metadata: { finalizers: null } });
    await client.waitUntilGone(SELDON_DEPLOYMENT, 'held', 30);
    expect(await client.get(SELDON_DEPLOYMENT, 'held')).toBeUndefined();
  });

  test('list follows the label selector; an empty list in a missing namespace is a NotFoundError', async () => {
    await client.create(SELDON_DEPLOYMENT, { ...body('other-owner'), metadata: { name: 'other-owner', labels: { 'app.kubernetes.io/managed-by': 'someone-else' } } });
    const names = (await client.list(SELDON_DEPLOYMENT, 'app.kubernetes.io/managed-by=someone-else')).map((o) => o.metadata.name);
    expect(names).toEqual(['other-owner']);
    const missing = await KubeClient.connect({ kubeconfig: cluster.kubeconfigPath, kubernetesNamespace: 'missing-ns' }, temps.dir());
    await expect(missing.list(SELDON_DEPLOYMENT, 'app.kubernetes.io/managed-by=zenml')).rejects.toMatchObject({ code: 'KUBERNETES_NAMESPACE_NOT_FOUND', exitCode: 3 });
  });

  test('a kind the API server does not serve: the flavor\'s message, exit 2', async () => {
    const kserve = { group: 'serving.kserve.io', version: 'v1beta1', plural: 'inferenceservices', kind: 'InferenceService', notInstalled: { message: 'KServe is not installed in this cluster' } };
    await expect(client.list(kserve, '')).rejects.toMatchObject({ code: 'KUBERNETES_KIND_NOT_INSTALLED', exitCode: 2, message: expect.stringMatching(/^KServe is not installed in this cluster/) });
    await expect(client.get(kserve, 'x')).rejects.toMatchObject({ code: 'KUBERNETES_KIND_NOT_INSTALLED' });
  });

  test('a kubeconfig whose context does not exist fails before any request', async () => {
    const file = path.join(temps.dir(), 'k.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: Config\ncontexts: []\nclusters: []\nusers: []\n');
    await expect(KubeClient.connect({ kubeconfig: file, kubernetesContext: 'prod' }, '/')).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining("no context 'prod'") });
  });
});
