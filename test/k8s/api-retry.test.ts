// An API server that turns requests away (429 Too Many Requests, 503 Service Unavailable) is waited out as
// client-go does: only with Retry-After, at most 10 times, never past the command's --timeout. The throttling is
// a STAND-IN (stand-in-throttling-proxy.ts: a real HTTP server on 127.0.0.1; no real kube-apiserver throttles on
// cue): first answering by itself, then in front of a real kube-apiserver, where what gets through is real.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { KubeClient } from '../../src/integrations/kubernetes/kube-client.js';
import { withDeadline } from '../../src/integrations/kubernetes/kube-retry.js';
import { managedMetadata } from '../../src/integrations/kubernetes/kube-labels.js';
import { SELDON_DEPLOYMENT } from '../../src/integrations/seldon/seldon-kind.js';
import { parseServiceConfig } from '../../src/services/service-config.js';
import { killRunningZenml, parseJson } from '../helpers/cli.js';
import { TempDirs } from '../helpers/temp.js';
import { adminClient, createNamespace, startKubeCluster, type KubeCluster } from './cluster.js';
import { describeKube } from './require-kube.js';
import { zenmlProject } from './zenml-project.js';
import { startStandInThrottlingProxy, type Refusal, type SeenRequest, type StandInThrottlingProxy } from './stand-in-throttling-proxy.js';

const temps = new TempDirs();
const proxies: StandInThrottlingProxy[] = [];
afterEach(async () => {
  killRunningZenml();
  await Promise.all(proxies.splice(0).map((p) => p.stop()));
  temps.cleanup();
});

const NS = 'models';
const LIST_PATH = `/apis/machinelearning.seldon.io/v1/namespaces/${NS}/seldondeployments`;

/** A kubeconfig for the stand-in (plain HTTP, which client-node allows only with insecure-skip-tls-verify). */
function kubeconfigFor(url: string, token = 'test-token'): string {
  const file = path.join(temps.dir('zenml-retry-'), 'kubeconfig');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'stand-in', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'me', user: { token } }],
    contexts: [{ name: 'stand-in', context: { cluster: 'stand-in', user: 'me', namespace: NS } }],
    'current-context': 'stand-in',
  };
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** SeldonDeployments as component `k8s` made them (labels and service annotation from kube-labels). */
const sdepList = (uuids: string[]) => ({
  apiVersion: 'machinelearning.seldon.io/v1',
  kind: 'SeldonDeploymentList',
  metadata: {},
  items: uuids.map((uuid) => {
    const stored = { type: 'seldon-deployment', flavor: 'seldon', uuid, config: parseServiceConfig({ modelName: 'iris', modelUri: 's3://models/iris', modelType: 'sklearn' }), createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', extra: {} };
    return { apiVersion: 'machinelearning.seldon.io/v1', kind: 'SeldonDeployment', metadata: managedMetadata({ name: `zenml-${uuid}`, namespace: NS, component: 'k8s' }, stored), spec: { predictors: [] } };
  }),
});
const UUIDS = ['0b9f3c1e-4a2d-4f6b-9c8e-1d2e3f4a5b6c', '1c0a4d2f-5b3e-4a7c-8d9f-2e3f4a5b6c7d'];

/** Refuse the first `n` requests with `refusal`, pass on the rest. */
const firstN = (n: number, refusal: Refusal) => (_req: unknown, seen: SeenRequest[]) => (seen.length < n ? refusal : undefined);

async function standIn(refuse: (req: { method: string; path: string }, seen: SeenRequest[]) => Refusal | undefined): Promise<StandInThrottlingProxy> {
  const proxy = await startStandInThrottlingProxy({
    refuse,
    answer: ({ method, path: p }) => {
      if (method === 'GET' && p.startsWith(LIST_PATH)) return { status: 200, body: sdepList(UUIDS) };
      if (method === 'POST' && p.startsWith(LIST_PATH)) return { status: 201, body: { apiVersion: 'machinelearning.seldon.io/v1', kind: 'SeldonDeployment', metadata: { name: 'zenml-new', namespace: NS } } };
      // The flavor also reads the Deployments and pods it owns: none here.
      if (method === 'GET' && /\/namespaces\/[^/]+\/(deployments|pods)(\?|$)/.test(p)) return { status: 200, body: { apiVersion: 'v1', kind: 'List', metadata: {}, items: [] } };
      if (method === 'GET' && p.startsWith(`/api/v1/namespaces/${NS}`)) return { status: 200, body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } };
      return { status: 404, body: { kind: 'Status', code: 404, message: 'not found', details: {} } };
    },
  });
  proxies.push(proxy);
  return proxy;
}

async function clientFor(proxy: StandInThrottlingProxy): Promise<KubeClient> {
  return KubeClient.connect({ kubeconfig: kubeconfigFor(proxy.url) }, temps.dir());
}

describe('KubeClient against a stand-in API server that throttles', () => {
  test('two 429s with Retry-After: 1 are waited out, one second each, and the third try answers', async () => {
    const proxy = await standIn(firstN(2, { status: 429, retryAfter: '1' }));
    const items = await (await clientFor(proxy)).list(SELDON_DEPLOYMENT, 'app.kubernetes.io/managed-by=zenml');
    expect(items.map((i) => i.metadata.name)).toEqual(UUIDS.map((u) => `zenml-${u}`));
    expect(proxy.seen.map((s) => [s.method, s.path.split('?')[0], s.refused])).toEqual([
      ['GET', LIST_PATH, 429],
      ['GET', LIST_PATH, 429],
      ['GET', LIST_PATH, 0],
    ]);
    // Retry-After honoured: no try came earlier than a second after the refusal before it (a lower bound only).
    expect(proxy.seen[1].at - proxy.seen[0].at).toBeGreaterThanOrEqual(950);
    expect(proxy.seen[2].at - proxy.seen[1].at).toBeGreaterThanOrEqual(950);
  });

  test('a 503 with Retry-After on create is sent again, and the object is created once', async () => {
    const proxy = await standIn(firstN(1, { status: 503, retryAfter: '0' }));
    const created = await (await clientFor(proxy)).create(SELDON_DEPLOYMENT, { metadata: { name: 'zenml-new' }, spec: {} });
    expect(created.metadata.name).toBe('zenml-new');
    expect(proxy.seen.map((s) => [s.method, s.refused])).toEqual([
      ['POST', 503],
      ['POST', 0],
    ]);
  });

  test('a 429 without Retry-After is not retried: one request, KUBERNETES_THROTTLED, exit 1', async () => {
    const proxy = await standIn(() => ({ status: 429 }));
    const error = await (await clientFor(proxy)).list(SELDON_DEPLOYMENT, '').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KUBERNETES_THROTTLED', exitCode: 1, message: expect.stringMatching(/429 Too Many Requests: Too many requests, please try again later\.\), without a Retry-After to wait for$/) });
    expect(proxy.seen).toHaveLength(1);
  });

  test('an API server that never stops throttling: 10 retries, then one error (exit 1)', async () => {
    const proxy = await standIn(() => ({ status: 429, retryAfter: '0' }));
    const error = await (await clientFor(proxy)).get(SELDON_DEPLOYMENT, 'zenml-a').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KUBERNETES_THROTTLED', exitCode: 1, message: expect.stringMatching(/and again after 10 retries$/) });
    expect(proxy.seen).toHaveLength(11);
  });

  test('a wait past the command\'s --timeout is not started: exit 4 at once, naming the Retry-After and the timeout', async () => {
    const proxy = await standIn(() => ({ status: 503, retryAfter: '3600' }));
    const client = await clientFor(proxy);
    const error = await withDeadline(3, () => client.delete(SELDON_DEPLOYMENT, 'zenml-a')).catch((e: unknown) => e);
    // 3600 s is cut to 10 s, which is still past a 3 s timeout.
    expect(error).toMatchObject({ code: 'KUBERNETES_UNAVAILABLE', exitCode: 4, message: expect.stringMatching(/\(503 Service Unavailable: .*\) after 0 retries; it asks to retry in 10 s, past the --timeout of 3 s$/) });
    expect(proxy.seen).toHaveLength(1);
  });

  test('other failures are never retried (a 500 is reported as it is)', async () => {
    const proxy = await startStandInThrottlingProxy({ refuse: () => undefined, answer: () => ({ status: 500, body: { kind: 'Status', code: 500, message: 'etcdserver: request timed out' } }) });
    proxies.push(proxy);
    const error = await (await clientFor(proxy)).list(SELDON_DEPLOYMENT, '').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KUBERNETES_API', message: expect.stringMatching(/HTTP 500: etcdserver: request timed out/) });
    expect(proxy.seen).toHaveLength(1);
  });
});

describe('the zenml binary against a stand-in API server that throttles', () => {
  const project = async (proxy: StandInThrottlingProxy) => (await zenmlProject(temps, 'k8s', 'seldon', ['--kubeconfig', kubeconfigFor(proxy.url), '--base-url', 'http://ingress.example.com'])).run;

  test('find waits out two 429s and lists what the API server then answers', async () => {
    const proxy = await standIn(firstN(2, { status: 429, retryAfter: '1' }));
    const run = await project(proxy);
    const r = await run('model-deployer', 'find', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(parseJson<Array<{ uuid: string }>>(r).map((s) => s.uuid)).toEqual(UUIDS);
    expect(proxy.seen.filter((s) => s.path.startsWith(LIST_PATH)).map((s) => s.refused)).toEqual([429, 429, 0]);
  });

  test('deploy --timeout 3 against an API server that keeps asking for 5 s: exit 4 without waiting, nothing created', async () => {
    const proxy = await standIn(({ method }) => (method === 'POST' ? { status: 429, retryAfter: '5' } : undefined));
    const run = await project(proxy);
    const r = await run('model-deployer', 'deploy', '--model-uri', 's3://models/iris', '--model-type', 'sklearn', '--timeout', '3', '--json');
    expect(r.code).toBe(4);
    expect(parseJson<any>(r).error).toMatchObject({ code: 'KUBERNETES_THROTTLED', exitCode: 4, message: expect.stringMatching(/turned away the request to create seldondeployments\.machinelearning\.seldon\.io '.*' in namespace 'models' \(429 Too Many Requests: .*\) after 0 retries; it asks to retry in 5 s, past the --timeout of 3 s$/) });
    expect(proxy.seen.filter((s) => s.method === 'POST')).toHaveLength(1);
  });
});

describeKube('a throttling stand-in in front of a real kube-apiserver', () => {
  let cluster: KubeCluster;
  let objects: CustomObjectsApi;

  beforeAll(async () => {
    // Workloads: delete is foreground, and only the garbage collector (kube-controller-manager) lifts its finalizer.
    cluster = await startKubeCluster({ crds: ['seldon'], workloads: true });
    objects = adminClient(cluster).makeApiClient(CustomObjectsApi);
    await createNamespace(cluster, NS);
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  test('deploy, find and delete get through every second request refused: one SeldonDeployment made, found and removed', async () => {
    const kc = adminClient(cluster);
    const upstream = { server: cluster.server, caPem: Buffer.from(kc.getCurrentCluster()!.caData!, 'base64').toString('utf8') };
    // Every other request is turned away, alternately with 429 and 503, so each call needs a retry.
    const proxy = await startStandInThrottlingProxy({ upstream, refuse: (_req, seen) => (seen.length % 2 === 0 ? { status: seen.length % 4 === 0 ? 429 : 503, retryAfter: '0' } : undefined) });
    proxies.push(proxy);
    const { run } = await zenmlProject(temps, 'k8s', 'seldon', ['--kubeconfig', kubeconfigFor(proxy.url, cluster.adminToken), '--base-url', 'http://ingress.example.com']);
    const deployed = await run('model-deployer', 'deploy', '--model-uri', 's3://models/iris', '--model-type', 'sklearn', '--timeout', '0', '--json');
    expect(deployed.stderr).toBe('');
    expect(deployed.code).toBe(0);
    const { uuid } = parseJson<{ uuid: string }>(deployed);
    const listed = await objects.listNamespacedCustomObject({ group: 'machinelearning.seldon.io', version: 'v1', namespace: NS, plural: 'seldondeployments' });
    expect((listed.items as Array<{ metadata: { name: string } }>).map((i) => i.metadata.name)).toEqual([`zenml-${uuid}`]);
    const found = await run('model-deployer', 'find', '--json');
    expect(found.code).toBe(0);
    expect(parseJson<Array<{ uuid: string }>>(found).map((s) => s.uuid)).toEqual([uuid]);
    expect((await run('model-deployer', 'delete', uuid, '--timeout', '30')).code).toBe(0);
    const after = await objects.listNamespacedCustomObject({ group: 'machinelearning.seldon.io', version: 'v1', namespace: NS, plural: 'seldondeployments' });
    expect(after.items).toEqual([]);
    expect(proxy.seen.filter((s) => s.refused === 429).length).toBeGreaterThan(0);
    expect(proxy.seen.filter((s) => s.refused === 503).length).toBeGreaterThan(0);
  });
});
