// What the cluster flavors (seldon, kserve) refuse and keep on deploy, through the built `zenml` binary: a model
// path on this machine is refused before anything talks to the cluster (exit 2), and `deploy --replace` keeps the
// `-c` service settings it is not given again (against a real kube-apiserver + etcd with both CRDs; no controller
// runs, deploys use --timeout 0 and the resources' specs are read back from the API server).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { killRunningZenml, parseJson } from '../helpers/cli.js';
import { TempDirs } from '../helpers/temp.js';
import { adminClient, createNamespace, startKubeCluster, type KubeCluster } from './cluster.js';
import { describeKube } from './require-kube.js';
import { clusterSettings, zenmlProject, type ZenmlProject } from './zenml-project.js';

const temps = new TempDirs();
afterEach(() => {
  killRunningZenml();
  temps.cleanup();
});

const project = (flavor: 'seldon' | 'kserve', settings: string[]) => zenmlProject(temps, 'k8s', flavor, settings);

describe.each(['seldon', 'kserve'] as const)('%s: a local model path is refused before the cluster is asked', (flavor) => {
  /** A project whose kubeconfig names an API server nobody listens on: any call to it fails with exit 1. */
  async function unreachable(): Promise<ZenmlProject> {
    const kubeconfig = path.join(temps.dir('zenml-kubeconfig-'), 'config');
    writeFileSync(kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
      clusters: [{ name: 'c', cluster: { server: 'http://127.0.0.1:1', 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u', namespace: 'models' } }],
    }));
    return project(flavor, ['--kubeconfig', kubeconfig, ...(flavor === 'seldon' ? ['--base-url', 'http://ingress.example.com'] : [])]);
  }

  test.each([
    ['./model.onnx', 'a local path'],
    ['/home/me/models/iris.onnx', 'a local path'],
    ['file:///home/me/models/iris.onnx', 'a file:// URI on this machine'],
  ])('--model-uri %s: exit 2, one line naming it, and a hint with the schemes a pod reads', async (uri, what) => {
    const p = await unreachable();
    const r = await p.run('model-deployer', 'deploy', '--model-uri', uri, '--model-type', 'onnx');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`zenml: error: --model-uri ${uri}: the ${flavor} flavor runs model servers in cluster pods, which cannot read ${what}\n` +
      `hint: upload the model where the cluster's storage initializer can fetch it and pass that URI (s3://, gs://, pvc://, https://, hdfs://, webhdfs://, hf://, oci:// …); the local flavor serves local files\n`);
    const json = await p.run('model-deployer', 'deploy', '--model-uri', uri, '--model-type', 'onnx', '--json');
    expect(parseJson<any>(json).error).toMatchObject({ code: 'LOCAL_MODEL_URI', exitCode: 2, details: { modelUri: uri, flavor } });
  });

  test('the same deploy with an s3:// URI does go to the cluster (and fails there, exit 1): the refusal came first', async () => {
    const p = await unreachable();
    const r = await p.run('model-deployer', 'deploy', '--model-uri', 's3://models/iris.onnx', '--model-type', 'onnx', '--json');
    expect(r.code).toBe(1);
    expect(parseJson<any>(r).error.code).toBe('KUBERNETES_UNREACHABLE');
  });
});

describeKube('deploy --replace keeps the service settings it is not given again', () => {
  let cluster: KubeCluster;
  let objects: CustomObjectsApi;
  let n = 0;

  beforeAll(async () => {
    cluster = await startKubeCluster({ crds: ['seldon', 'kserve'] });
    objects = adminClient(cluster).makeApiClient(CustomObjectsApi);
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  async function clusterProject(flavor: 'seldon' | 'kserve', extra: string[]): Promise<{ p: ZenmlProject; ns: string }> {
    const ns = `keep${++n}-${process.pid}`;
    await createNamespace(cluster, ns);
    const p = await project(flavor, [...clusterSettings(cluster, ns), ...extra]);
    return { p, ns };
  }

  const deployArgs = (uri: string, ...more: string[]) => ['model-deployer', 'deploy', '--model-uri', uri, '--model-name', 'iris', '--model-type', 'sklearn', '--pipeline-name', 'training', '--pipeline-step-name', 'deployer', '--timeout', '0', ...more];

  test('seldon: -c replicas=2 and parameters survive a --replace with a new model; a setting given again wins', async () => {
    const { p, ns } = await clusterProject('seldon', ['--base-url', 'http://ingress.example.com']);
    const v1 = await p.json(...deployArgs('s3://models/iris-v1', '-c', 'replicas=2', '-c', 'parameters={"method":"predict_proba"}'));
    const read = async () => (await objects.getNamespacedCustomObject({ group: 'machinelearning.seldon.io', version: 'v1', namespace: ns, plural: 'seldondeployments', name: `zenml-${v1.uuid}` })) as any;

    const v2 = await p.json(...deployArgs('s3://models/iris-v2', '--replace'));
    expect(v2).toMatchObject({ uuid: v1.uuid, modelUri: 's3://models/iris-v2', config: { replicas: 2, parameters: { method: 'predict_proba' } } });
    expect((await read()).spec.predictors[0]).toMatchObject({ replicas: 2, graph: { modelUri: 's3://models/iris-v2', parameters: [{ name: 'method', value: 'predict_proba', type: 'STRING' }] } });

    const v3 = await p.json(...deployArgs('s3://models/iris-v3', '--replace', '-c', 'replicas=1'));
    expect(v3.config).toMatchObject({ replicas: 1, parameters: { method: 'predict_proba' } });
    expect((await read()).spec.predictors[0]).toMatchObject({ replicas: 1, graph: { modelUri: 's3://models/iris-v3' } });
    // What find rebuilds from the cluster (another machine's view) has the kept settings too.
    const [found] = await p.json<any[]>('model-deployer', 'find');
    expect(found.config).toMatchObject({ replicas: 1, parameters: { method: 'predict_proba' } });
  });

  test('kserve: minReplicas/maxReplicas survive a --replace; a canary percentage is one rollout\'s and does not', async () => {
    const { p, ns } = await clusterProject('kserve', ['--deployment-mode', 'Serverless']);
    const v1 = await p.json(...deployArgs('s3://models/iris-v1', '-c', 'minReplicas=2', '-c', 'maxReplicas=4'));
    const read = async () => (await objects.getNamespacedCustomObject({ group: 'serving.kserve.io', version: 'v1beta1', namespace: ns, plural: 'inferenceservices', name: `zenml-${v1.uuid}` })) as any;

    await p.json(...deployArgs('s3://models/iris-v2', '--replace', '-c', 'canaryTrafficPercent=10'));
    expect((await read()).spec.predictor).toMatchObject({ minReplicas: 2, maxReplicas: 4, canaryTrafficPercent: 10, model: { storageUri: 's3://models/iris-v2' } });

    const v3 = await p.json(...deployArgs('s3://models/iris-v3', '--replace'));
    expect(v3.config).toMatchObject({ minReplicas: 2, maxReplicas: 4 });
    expect(v3.config).not.toHaveProperty('canaryTrafficPercent');
    const predictor = (await read()).spec.predictor;
    expect(predictor).toMatchObject({ minReplicas: 2, maxReplicas: 4, model: { storageUri: 's3://models/iris-v3' } });
    expect(predictor).not.toHaveProperty('canaryTrafficPercent');
  });
});
