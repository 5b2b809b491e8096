// The seldon flavor's pure parts, in-process and without a cluster: the SeldonDeployment manifest
// (table-driven), the `-c` service settings and model-type defaults, the status reader, scaling, the
// info keys and URLs, and the settings schema.
import { ExitCode, UsageError } from '../../src/errors.js';
import { readServiceAnnotation, serviceLabels } from '../../src/integrations/kubernetes/kube-labels.js';
import type { DeploymentView, PodView } from '../../src/integrations/kubernetes/rollout-state.js';
import type { KubeObject } from '../../src/integrations/kubernetes/kube-client.js';
import { buildSeldonDeployment } from '../../src/integrations/seldon/seldon-manifest.js';
import { resolveSeldonServiceSettings } from '../../src/integrations/seldon/seldon-service-settings.js';
import { readSeldonReplicas, readSeldonState, seldonLiveFacts, seldonScalePatch } from '../../src/integrations/seldon/seldon-status.js';
import { seldonServerInfo } from '../../src/integrations/seldon/seldon-info.js';
import { SeldonDeploymentService } from '../../src/integrations/seldon/seldon-service.js';
import { seldonSettingsSchema } from '../../src/integrations/seldon/seldon-settings.js';
import { parseServiceConfig } from '../../src/services/service-config.js';
import { serviceFromJSON } from '../../src/services/service-registry.js';

const UUID = '0b9f3c1e-4a2d-4f6b-9c8e-1d2e3f4a5b6c';
const TARGET = { name: `zenml-${UUID}`, namespace: 'models', component: 'k8s' };

function stored(config: Record<string, unknown>) {
  return { type: 'seldon-deployment', flavor: 'seldon', uuid: UUID, config: parseServiceConfig({ modelName: 'iris', modelUri: 's3://bucket/iris', ...config }), createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', extra: {} };
}

describe('buildSeldonDeployment', () => {
  it('builds a machinelearning.seldon.io/v1 SeldonDeployment with one predictor and a classifier graph node', () => {
    const s = stored({ modelType: 'sklearn', pipelineName: 'training', pipelineStepName: 'deployer' });
    const manifest = buildSeldonDeployment(s, { secret: 's3-credentials', serviceAccountName: 'models-sa' }, TARGET);
    expect(manifest).toEqual({
      apiVersion: 'machinelearning.seldon.io/v1',
      kind: 'SeldonDeployment',
      metadata: { name: TARGET.name, namespace: 'models', labels: serviceLabels(UUID, s.config, 'k8s'), annotations: { 'zenml.io/component': 'k8s', 'zenml.io/service': expect.any(String) } },
      spec: {
        name: TARGET.name,
        protocol: 'seldon',
        predictors: [
          {
            name: 'default',
            replicas: 1,
            graph: { name: 'classifier', type: 'MODEL', implementation: 'SKLEARN_SERVER', modelUri: 's3://bucket/iris', envSecretRefName: 's3-credentials', serviceAccountName: 'models-sa', children: [] },
          },
        ],
        annotations: { 'zenml.io/spec-hash': expect.stringMatching(/^[0-9a-f]{16}$/) },
      },
    });
    expect(readServiceAnnotation(manifest.metadata)).toEqual(s);
  });

  it('marks the spec: the mark changes with the model, not with the replica count (stop and start roll nothing)', () => {
    const mark = (config: Record<string, unknown>) => buildSeldonDeployment(stored({ modelType: 'sklearn', ...config }), {}, TARGET).spec.annotations['zenml.io/spec-hash'];
    expect(mark({ replicas: 3 })).toBe(mark({ replicas: 1 }));
    expect(mark({ modelUri: 's3://bucket/iris-v2' })).not.toBe(mark({}));
    expect(mark({ podLabels: { team: 'ml' } })).not.toBe(mark({}));
  });

  // Each row: the `-c` settings (and model type), and the parts of the predictor they shape.
  it.each<[string, Record<string, unknown>, Record<string, unknown>, string]>([
    ['sklearn model type', { modelType: 'sklearn' }, { graph: expect.objectContaining({ implementation: 'SKLEARN_SERVER' }) }, 'seldon'],
    ['xgboost model type', { modelType: 'xgboost' }, { graph: expect.objectContaining({ implementation: 'XGBOOST_SERVER' }) }, 'seldon'],
    ['tensorflow model type', { modelType: 'tensorflow' }, { graph: expect.objectContaining({ implementation: 'TENSORFLOW_SERVER' }) }, 'seldon'],
    ['mlflow model type', { modelType: 'mlflow' }, { graph: expect.objectContaining({ implementation: 'MLFLOW_SERVER' }) }, 'seldon'],
    ['huggingface model type', { modelType: 'huggingface' }, { graph: expect.objectContaining({ implementation: 'HUGGINGFACE_SERVER' }) }, 'seldon'],
    ['onnx model type: Triton, v2', { modelType: 'onnx' }, { graph: expect.objectContaining({ implementation: 'TRITON_SERVER' }) }, 'v2'],
    ['triton model type: Triton, v2', { modelType: 'triton' }, { graph: expect.objectContaining({ implementation: 'TRITON_SERVER' }) }, 'v2'],
    ['explicit implementation beats the type', { modelType: 'sklearn', implementation: 'MLFLOW_SERVER' }, { graph: expect.objectContaining({ implementation: 'MLFLOW_SERVER' }) }, 'seldon'],
    ['explicit TRITON_SERVER is v2', { implementation: 'TRITON_SERVER' }, { graph: expect.objectContaining({ implementation: 'TRITON_SERVER' }) }, 'v2'],
    ['protocol v2 on MLServer', { modelType: 'sklearn', protocol: 'v2' }, {}, 'v2'],
    ['replicas', { modelType: 'sklearn', replicas: 3 }, { replicas: 3 }, 'seldon'],
    [
      'parameters typed',
      { modelType: 'sklearn', parameters: { method: 'predict_proba', threshold: 0.5, top: 3, verbose: true } },
      {
        graph: expect.objectContaining({
          parameters: [
            { name: 'method', value: 'predict_proba', type: 'STRING' },
            { name: 'threshold', value: '0.5', type: 'FLOAT' },
            { name: 'top', value: '3', type: 'INT' },
            { name: 'verbose', value: 'true', type: 'BOOL' },
          ],
        }),
      },
      'seldon',
    ],
    [
      'resources and extra args on the classifier container',
      { modelType: 'sklearn', resources: { requests: { cpu: '100m' }, limits: { memory: '1Gi' } }, extraArgs: ['--workers', '2'] },
      { componentSpecs: [{ spec: { containers: [{ name: 'classifier', args: ['--workers', '2'], resources: { requests: { cpu: '100m' }, limits: { memory: '1Gi' } } }] } }] },
      'seldon',
    ],
    [
      'a custom image, no implementation',
      { image: 'registry.example.com/iris-server:1' },
      { graph: expect.not.objectContaining({ implementation: expect.anything() }), componentSpecs: [{ spec: { containers: [{ name: 'classifier', image: 'registry.example.com/iris-server:1' }] } }] },
      'seldon',
    ],
    [
      'a custom image for a named custom server',
      { implementation: 'MY_SERVER', image: 'registry.example.com/my:1' },
      { graph: expect.not.objectContaining({ implementation: expect.anything() }) },
      'seldon',
    ],
  ])('%s', (_name, config, predictorPart, protocol) => {
    const manifest = buildSeldonDeployment(stored(config), {}, TARGET);
    expect(manifest.spec.protocol).toBe(protocol);
    expect(manifest.spec.predictors).toHaveLength(1);
    expect(manifest.spec.predictors[0]).toEqual(expect.objectContaining(predictorPart));
    expect(manifest.spec.predictors[0].graph).not.toHaveProperty('envSecretRefName');
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no implementation for the model type', { modelType: 'pytorch' }, /no Seldon implementation for model type 'pytorch': set -c implementation=<SKLEARN_SERVER\|.*> or -c image=/],
    ['no model type at all', {}, /no Seldon implementation for model type '\(none\)'/],
    ['an unknown implementation without an image', { implementation: 'MY_SERVER' }, /-c implementation: 'MY_SERVER' is not one of Seldon's servers/],
    ['a malformed implementation', { implementation: 'sklearn server' }, /^invalid seldon service setting:\n-c implementation: expected an implementation such as SKLEARN_SERVER/],
    ['replicas not a number', { modelType: 'sklearn', replicas: 'two' }, /-c replicas: expected a whole number of replicas \(got "two"\)/],
    ['replicas 0', { modelType: 'sklearn', replicas: 0 }, /-c replicas: expected at least 1 replica \(stop scales to 0\) \(got 0\)/],
    ['an unknown protocol', { modelType: 'sklearn', protocol: 'grpc' }, /-c protocol: expected seldon or v2 \(got "grpc"\)/],
    ['Triton with the seldon protocol', { modelType: 'onnx', protocol: 'seldon' }, /TRITON_SERVER speaks only the v2 protocol/],
    ['resources with an unknown key', { modelType: 'sklearn', resources: { request: { cpu: 1 } } }, /-c resources: /],
    ['extraArgs not a list', { modelType: 'sklearn', extraArgs: '--x' }, /-c extraArgs: expected a JSON array of strings/],
  ])('rejects %s with one usage error naming the -c key', (_name, config, message) => {
    let error: unknown;
    try {
      buildSeldonDeployment(stored(config), {}, TARGET);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(ExitCode.USAGE);
    expect((error as UsageError).message).toMatch(message);
  });

  it('resolves the defaults without touching the config', () => {
    const config = parseServiceConfig({ modelType: 'onnx', modelName: 'iris' });
    expect(resolveSeldonServiceSettings(config)).toEqual({ implementation: 'TRITON_SERVER', protocol: 'v2', replicas: 1, parameters: [], extraArgs: [], podLabels: {} });
    expect(config).not.toHaveProperty('implementation');
  });
});

function resource(status: Record<string, unknown> | undefined, predictors: Array<Record<string, unknown>> = [{ name: 'default', replicas: 2, graph: { implementation: 'SKLEARN_SERVER', modelUri: 's3://b/iris' } }], extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { metadata: { name: TARGET.name, namespace: 'models', generation: 3, ...extra }, spec: { protocol: 'seldon', predictors }, ...(status ? { status } : {}) };
}

describe('readSeldonState', () => {
  const MARK = 'abc123';
  const NOW = Date.parse('2026-12-07T12:00:00Z');
  const created = (secondsAgo: number) => new Date(NOW - secondsAgo * 1000).toISOString();
  const marked = (status: Record<string, unknown> | undefined, age = 1) => {
    const r = resource(status, undefined, { creationTimestamp: created(age) });
    r.spec.annotations = { 'zenml.io/spec-hash': MARK };
    return r;
  };
  const dep = (status: Record<string, unknown>, mark = MARK, replicas = 2, generation = 4): DeploymentView => ({
    metadata: { name: 'iris-default-0-classifier', generation, labels: { app: 'iris-default-0-classifier' }, annotations: { 'zenml.io/spec-hash': mark } },
    spec: { replicas },
    status: { observedGeneration: generation, ...status },
  });
  const done = { replicas: 2, updatedReplicas: 2, availableReplicas: 2 };
  const failedPod: PodView = {
    metadata: { name: 'iris-x', labels: { app: 'iris-default-0-classifier' } },
    status: { phase: 'Failed', containerStatuses: [{ name: 'classifier', state: { terminated: { exitCode: 1, reason: 'containerFailed', message: 'container failed' } } }] },
  };

  it.each<[string, KubeObject, { deployments: DeploymentView[]; pods: PodView[] } | undefined, { state: string; lastError: string | RegExp }]>([
    ['Available and rolled out', marked({ state: 'Available' }), { deployments: [dep(done)], pods: [] }, { state: 'active', lastError: '' }],
    // Seldon says Available while the new ReplicaSet is still coming up: the Deployment says otherwise.
    ['Available, 1 of 2 updated', marked({ state: 'Available' }), { deployments: [dep({ ...done, updatedReplicas: 1 })], pods: [] }, { state: 'pending_startup', lastError: /1 of 2 new replicas have been updated/ }],
    ['Available, old replicas left', marked({ state: 'Available' }), { deployments: [dep({ ...done, replicas: 3 })], pods: [] }, { state: 'pending_startup', lastError: /1 old replicas are pending termination/ }],
    ['Available, spec not observed', marked({ state: 'Available' }), { deployments: [dep({ ...done, observedGeneration: 3 })], pods: [] }, { state: 'pending_startup', lastError: /observe the new spec/ }],
    // Right after a replace the operator has not touched the Deployment: its mark is the old spec's.
    ['Available, stale mark', marked({ state: 'Available' }), { deployments: [dep(done, 'old')], pods: [] }, { state: 'pending_startup', lastError: /waiting for the Seldon operator to apply the current spec/ }],
    ['stale mark for a minute', marked({ state: 'Available' }, 70), { deployments: [dep(done, 'old')], pods: [] }, { state: 'pending_startup', lastError: /after 70 s: is the operator running\?/ }],
    ['no status yet', marked(undefined), { deployments: [], pods: [] }, { state: 'pending_startup', lastError: 'waiting for the Seldon operator' }],
    ['no status for a while', marked(undefined, 20), { deployments: [], pods: [] }, { state: 'pending_startup', lastError: 'the SeldonDeployment has no status from the Seldon operator after 20 s: is the operator running?' }],
    // A start or stop written a second ago (managedFields, not the status subresource) restarts the count.
    ['stale replicas right after a start of an old resource', (() => {
      const r = marked({ state: 'Available' }, 3600);
      r.metadata.managedFields = [{ manager: 'zenml', operation: 'Update', time: created(1) }, { manager: 'seldon-manager', operation: 'Update', subresource: 'status', time: created(0) }];
      return r;
    })(), { deployments: [dep(done, MARK, 0)], pods: [] }, { state: 'pending_startup', lastError: /^waiting for the Seldon operator to apply the current spec/ }],
    ['Creating with a failing pod', marked({ state: 'Creating' }), { deployments: [dep({ replicas: 1, updatedReplicas: 1 })], pods: [failedPod] }, { state: 'error', lastError: /pod iris-x: container classifier: containerFailed: container failed/ }],
    ['Failed', marked({ state: 'Failed', description: 'Deployment is no longer progressing and not available.' }), { deployments: [], pods: [failedPod] }, { state: 'error', lastError: /no longer progressing.*; pod iris-x/ }],
    ['Failed without pods', marked({ state: 'Failed' }), { deployments: [], pods: [] }, { state: 'error', lastError: 'Seldon Core reported the deployment as Failed' }],
    ['rolled out but Seldon still Creating', marked({ state: 'Creating' }), { deployments: [dep(done)], pods: [] }, { state: 'pending_startup', lastError: 'Seldon Core reports the deployment as Creating' }],
    ['no Deployments readable (403): the operator\'s word', marked({ state: 'Available' }), undefined, { state: 'active', lastError: '' }],
  ])('%s', (_name, r, workloads, expected) => {
    const got = readSeldonState(r, workloads, NOW);
    expect(got.state).toBe(expected.state);
    if (typeof expected.lastError === 'string') expect(got.lastError).toBe(expected.lastError);
    else expect(got.lastError).toMatch(expected.lastError);
  });
});

describe('scaling', () => {
  const two = [
    { name: 'default', replicas: 2, graph: { name: 'classifier' } },
    { name: 'canary', graph: { name: 'classifier' } },
  ];
  it('reads every predictor (Seldon defaults a missing count to 1)', () => {
    expect(readSeldonReplicas(resource(undefined, two))).toEqual({ default: 2, canary: 1 });
  });
  it('patches every predictor, keeping the rest of each', () => {
    expect(seldonScalePatch(resource(undefined, two), { default: 0, canary: 0 })).toEqual({
      predictors: [
        { name: 'default', replicas: 0, graph: { name: 'classifier' } },
        { name: 'canary', replicas: 0, graph: { name: 'classifier' } },
      ],
    });
  });
});

describe('info', () => {
  function service(spec: Record<string, unknown>, annotations: Record<string, string> = {}, config: Record<string, unknown> = {}, status: Record<string, unknown> = { state: 'Available' }) {
    const r = resource(status, undefined, { annotations });
    r.spec = { ...r.spec, ...spec };
    return new SeldonDeploymentService({
      uuid: UUID,
      flavor: 'seldon',
      config: { modelName: 'iris', ...config },
      extra: { ...seldonLiveFacts(r), resourceName: TARGET.name, namespace: 'models', context: 'zenml-test', generation: 3 },
    });
  }

  it('lists the URLs through the ingress and the facts read from the resource', () => {
    expect(seldonServerInfo(service({}), 'http://ingress.example.com/')).toEqual({
      PREDICTION_URL: `http://ingress.example.com/seldon/models/${TARGET.name}/api/v1.0/predictions`,
      HEALTH_CHECK_URL: `http://ingress.example.com/seldon/models/${TARGET.name}/api/v1.0/health/status`,
      NAMESPACE: 'models',
      RESOURCE: `SeldonDeployment/${TARGET.name}`,
      CONTEXT: 'zenml-test',
      IMPLEMENTATION: 'SKLEARN_SERVER',
      PROTOCOL: 'seldon',
      REPLICAS: '2',
      READY_REPLICAS: '0/2',
      CONDITIONS: '',
      MODEL_URI: 's3://b/iris',
      GENERATION: '3',
    });
  });

  it('counts the available replicas over the desired ones and lists the conditions, as Seldon Core 1.17.1 writes them', () => {
    const predictors = [
      { name: 'default', replicas: 2, graph: { implementation: 'SKLEARN_SERVER' } },
      { name: 'canary', replicas: 1, graph: { implementation: 'SKLEARN_SERVER' } },
    ];
    const status = {
      state: 'Creating',
      deploymentStatus: {
        [`${TARGET.name}-default-0-classifier`]: { replicas: 2, availableReplicas: 2 },
        [`${TARGET.name}-canary-0-classifier`]: { replicas: 1 }, // no pod available yet: the operator leaves the key out
      },
      conditions: [
        { type: 'DeploymentsReady', status: 'False', reason: 'DeploymentsNotReady', message: 'Deployment is not ready' },
        { type: 'Ready', status: 'False', reason: 'DeploymentsNotReady' },
        { type: 'ServicesReady', status: 'True', reason: 'ServicesReady' },
      ],
    };
    const info = seldonServerInfo(service({ predictors }, {}, {}, status), 'http://gw');
    expect(info.READY_REPLICAS).toBe('2/3');
    expect(info.CONDITIONS).toBe('DeploymentsReady=False (DeploymentsNotReady), Ready=False (DeploymentsNotReady), ServicesReady=True');
    const ready = seldonServerInfo(
      service({}, {}, {}, { state: 'Available', deploymentStatus: { a: { replicas: 2, availableReplicas: 2 } }, conditions: [{ type: 'Ready', status: 'True', reason: 'ResourcesReady' }, { type: 'Odd' }] }),
      'http://gw',
    );
    expect(ready).toMatchObject({ READY_REPLICAS: '2/2', CONDITIONS: 'Ready=True, Odd=Unknown' });
  });

  it('uses the v2 URLs for the v2 protocol: the graph node for MLServer, the model for Triton', () => {
    const mlserver = seldonServerInfo(service({ protocol: 'v2' }), 'http://gw');
    expect(mlserver.PREDICTION_URL).toBe(`http://gw/seldon/models/${TARGET.name}/v2/models/classifier/infer`);
    expect(mlserver.HEALTH_CHECK_URL).toBe(`http://gw/seldon/models/${TARGET.name}/v2/health/ready`);
    const triton = seldonServerInfo(service({ protocol: 'v2', predictors: [{ name: 'default', replicas: 1, graph: { implementation: 'TRITON_SERVER' } }] }), 'http://gw');
    expect(triton.PREDICTION_URL).toBe(`http://gw/seldon/models/${TARGET.name}/v2/models/iris/infer`);
  });

  it('shows a stopped deployment with the count it will start with', () => {
    const stopped = service({ predictors: [{ name: 'default', replicas: 0, graph: {} }] }, { 'zenml.io/replicas-before-stop': '{"default":2}' });
    expect(seldonServerInfo(stopped, 'http://gw').REPLICAS).toBe('0 (stopped; 2 on start)');
  });

  it('keeps live facts out of the stored service and re-creates the class from JSON', () => {
    const s = service({});
    expect(Object.keys(s.stored().extra)).toEqual([]);
    expect(serviceFromJSON(JSON.parse(JSON.stringify(s.toJSON())))).toBeInstanceOf(SeldonDeploymentService);
  });
});

describe('seldonSettingsSchema', () => {
  it('accepts the documented settings', () => {
    const settings = { kubeconfig: 'kube.yaml', kubernetesContext: 'prod', kubernetesNamespace: 'models', baseUrl: 'http://ingress.example.com', secret: 's3-credentials', serviceAccountName: 'models-sa' };
    expect(seldonSettingsSchema.parse(settings)).toEqual(settings);
  });
  it.each([
    [{}, 'baseUrl'],
    [{ baseUrl: 'ingress.example.com' }, 'baseUrl'],
    [{ baseUrl: 'ftp://x' }, 'baseUrl'],
    [{ baseUrl: 'http://x', kubernetesNamespace: 'Models' }, 'kubernetesNamespace'],
    [{ baseUrl: 'http://x', secret: 'S3 creds' }, 'secret'],
  ])('rejects %j at %s', (settings, key) => {
    const parsed = seldonSettingsSchema.safeParse(settings);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain(key);
  });
});
