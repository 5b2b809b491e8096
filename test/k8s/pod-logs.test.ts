// `logs` of pods that have none to give, through the built `zenml` binary against a real kube-apiserver + etcd: a
// pod no scheduler has bound (the API server answers with an empty body the client library cannot parse) and a pod
// on a Node whose kubelet does not answer (the API server fails to dial it: HTTP 500). Each gets a sentence, not
// `HTTP 500` or a parse error. The pods are created by the test (no operator runs); the pending one names a scheduler
// that does not exist, so no scheduler in the test cluster binds it; the dead Node's kubelet port is a port nobody
// listens on. The cluster runs no scheduler, controller manager or kwok (kwok would take over every Node, the dead one
// too); reading the logs of running pods is tested against kwok in the seldon and kserve CLI tests.
import { CoreV1Api } from '@kubernetes/client-node';
import { KubeClient } from '../../src/integrations/kubernetes/kube-client.js';
import { killRunningZenml, parseJson, type RunResult } from '../helpers/cli.js';
import { TempDirs } from '../helpers/temp.js';
import { adminClient, createNamespace, startKubeCluster, type KubeCluster } from './cluster.js';
import { freePort } from './kube-processes.js';
import { describeKube } from './require-kube.js';
import { clusterSettings, zenmlProject } from './zenml-project.js';

const temps = new TempDirs();
afterEach(() => {
  killRunningZenml();
});
afterAll(() => temps.cleanup());

const NS = 'logs';
const DEAD_NODE = 'no-logs-node';

describeKube('logs of pods without logs (seldon, against a real Kubernetes API server)', () => {
  let cluster: KubeCluster;
  let core: CoreV1Api;
  let run: (...args: string[]) => Promise<RunResult>;

  beforeAll(async () => {
    cluster = await startKubeCluster({ crds: ['seldon'] });
    core = adminClient(cluster).makeApiClient(CoreV1Api);
    await createNamespace(cluster, NS);
    // A Node whose kubelet endpoint is a closed port on 127.0.0.1: the API server cannot fetch logs from it.
    const deadPort = await freePort();
    await core.createNode({
      body: {
        metadata: { name: DEAD_NODE },
        status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: deadPort } } },
      },
    });
    ({ run } = await zenmlProject(temps, 'k8s', 'seldon', [...clusterSettings(cluster, NS), '--base-url', 'http://ingress.example.com']));
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  /** A SeldonDeployment (no operator: it stays without status) and its name. */
  async function deployment(model: string): Promise<{ uuid: string; name: string }> {
    const r = await run('model-deployer', 'deploy', '--model-uri', `s3://models/${model}`, '--model-name', model, '--model-type', 'sklearn', '--timeout', '0', '--json');
    expect(r.code).toBe(0);
    const { uuid } = parseJson<{ uuid: string }>(r);
    return { uuid, name: `zenml-${uuid}` };
  }

  /** A pod of the deployment, as Seldon's Deployment would make it: bound to `node`, or left for a scheduler that never comes. */
  async function pod(deploymentName: string, podName: string, node?: string): Promise<void> {
    await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: podName, labels: { 'seldon-deployment-id': deploymentName } },
        spec: { ...(node ? { nodeName: node } : { schedulerName: 'no-such-scheduler' }), containers: [{ name: 'classifier', image: 'seldonio/sklearnserver:1.17.1' }] },
      },
    });
  }

  test('a pod not scheduled to a node yet: exit 3 and a sentence saying so (the client reads its empty log as no lines)', async () => {
    const { uuid, name } = await deployment('pending');
    await pod(name, `${name}-0`);
    const r = await run('model-deployer', 'logs', uuid);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`^zenml: error: pod '${name}-0' is not scheduled to a node yet, so it has no logs\\n`));
    expect(r.stderr).not.toMatch(/HTTP|Content-Type|parse/);
    const json = await run('model-deployer', 'logs', uuid, '--json');
    expect(parseJson<any>(json).error).toMatchObject({ code: 'NO_LOGS', exitCode: 3 });
    // Asked anyway, the API server answers with no body and no Content-Type: no lines, not a parse error.
    const client = await KubeClient.connect({ kubeconfig: cluster.kubeconfigPath, kubernetesContext: cluster.contextName, kubernetesNamespace: NS }, temps.dir());
    const lines: string[] = [];
    for await (const line of client.logLines(`${name}-0`, 'classifier')) lines.push(line);
    expect(lines).toEqual([]);
  });

  test('a pod on a node whose kubelet does not answer: exit 1, naming the pod and the node, not "HTTP 500"', async () => {
    const { uuid, name } = await deployment('deadnode');
    await pod(name, `${name}-0`, DEAD_NODE);
    const r = await run('model-deployer', 'logs', uuid, '--tail', '5');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^zenml: error: the logs of pod '${name}-0' cannot be read: its node '${DEAD_NODE}' serves no logs \\(the API server could not get them from the node's kubelet: .*127\\.0\\.0\\.1:\\d+.*\\)\\n`));
    expect(r.stderr).not.toMatch(/HTTP 500/);
    const json = await run('model-deployer', 'logs', uuid, '--json');
    expect(parseJson<any>(json).error).toMatchObject({ code: 'KUBERNETES_LOGS_UNAVAILABLE', exitCode: 1, details: { status: 500, name: `${name}-0` } });
  });

  test('of several pods, the ones without logs yet are named in a warning and the others are asked', async () => {
    const { uuid, name } = await deployment('mixed');
    await pod(name, `${name}-a`);
    await pod(name, `${name}-b`, DEAD_NODE);
    const r = await run('model-deployer', 'logs', uuid);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^warning: pod '${name}-a' is not scheduled to a node yet, so it has no logs\\n`, 'm'));
    expect(r.stderr).toMatch(new RegExp(`zenml: error: the logs of pod '${name}-b' cannot be read: its node '${DEAD_NODE}' serves no logs`));
  });
});
