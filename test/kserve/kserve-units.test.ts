// The kserve flavor's pure parts, in-process and without a cluster: the InferenceService manifest (table-driven),
// the `-c` service settings and model-format defaults, the status reader, revisions and rollback target, the info
// keys, URLs and Host header, and the settings schema.
import { ExitCode, UsageError } from '../../src/errors.js';
import type { KubeObject } from '../../src/integrations/kubernetes/kube-client.js';
import { serviceLabels } from '../../src/integrations/kubernetes/kube-labels.js';
import { buildInferenceService } from '../../src/integrations/kserve/kserve-manifest.js';
import { resolveKserveServiceSettings } from '../../src/integrations/kserve/kserve-service-settings.js';
import { isKserveStopped, kserveLiveFacts, readKserveState, readKserveStateWith, rollbackTarget } from '../../src/integrations/kserve/kserve-status.js';
import { kserveServerInfo } from '../../src/integrations/kserve/kserve-info.js';
import { InferenceServiceService } from '../../src/integrations/kserve/kserve-service.js';
import { kserveSettingsSchema } from '../../src/integrations/kserve/kserve-settings.js';
import { parseServiceConfig } from '../../src/services/service-config.js';

const UUID = '0b9f3c1e-4a2d-4f6b-9c8e-1d2e3f4a5b6c';
const NAME = `zenml-${UUID}`;
const TARGET = { name: NAME, namespace: 'models', component: 'k8s' };

function stored(config: Record<string, unknown>) {
  return { type: 'kserve-inference-service', flavor: 'kserve', uuid: UUID, config: parseServiceConfig({ modelName: 'iris', modelUri: 's3://bucket/iris', ...config }), createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', extra: {} };
}

function resource(over: { spec?: any; status?: any; annotations?: Record<string, string>; generation?: number } = {}): KubeObject {
  return { metadata: { name: NAME, namespace: 'models', generation: over.generation ?? 1, annotations: over.annotations }, spec: over.spec ?? { predictor: { model: { modelFormat: { name: 'sklearn' } } } }, status: over.status };
}

describe('buildInferenceService', () => {
  it('builds a serving.kserve.io/v1beta1 InferenceService with the model, its storage and the service account', () => {
    const s = stored({ modelType: 'sklearn', pipelineName: 'training' });
    expect(buildInferenceService(s, { secret: 's3-credentials', serviceAccountName: 'models-sa', deploymentMode: 'RawDeployment' }, TARGET)).toEqual({
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: {
        name: NAME,
        namespace: 'models',
        labels: serviceLabels(UUID, s.config, 'k8s'),
        // The old mode name is written as KServe 0.20's; the spec's mark, for the reader to match on the Deployments.
        annotations: { 'zenml.io/component': 'k8s', 'zenml.io/service': expect.any(String), 'serving.kserve.io/deploymentMode': 'Standard', 'zenml.io/spec-hash': expect.stringMatching(/^[0-9a-f]{16}$/) },
      },
      spec: {
        predictor: {
          model: { modelFormat: { name: 'sklearn' }, storageUri: 's3://bucket/iris', envFrom: [{ secretRef: { name: 's3-credentials' } }] },
          serviceAccountName: 'models-sa',
        },
      },
    });
  });

  it.each([
    ['sklearn', {}, { model: { modelFormat: { name: 'sklearn' }, storageUri: 's3://bucket/iris' } }],
    ['onnx', {}, { model: { modelFormat: { name: 'onnx' }, storageUri: 's3://bucket/iris', protocolVersion: 'v2' } }],
    ['mlflow', {}, { model: { modelFormat: { name: 'mlflow' }, storageUri: 's3://bucket/iris', protocolVersion: 'v2' } }],
    ['pytorch', { runtime: 'kserve-torchserve', protocolVersion: 'v2' }, { model: { modelFormat: { name: 'pytorch' }, storageUri: 's3://bucket/iris', runtime: 'kserve-torchserve', protocolVersion: 'v2' } }],
    ['', { modelFormat: 'vllm' }, { model: { modelFormat: { name: 'vllm' }, storageUri: 's3://bucket/iris' } }],
    ['xgboost', { minReplicas: 0, maxReplicas: 4, canaryTrafficPercent: 25 }, { model: { modelFormat: { name: 'xgboost' }, storageUri: 's3://bucket/iris' }, minReplicas: 0, maxReplicas: 4, canaryTrafficPercent: 25 }],
    ['huggingface', { resources: { limits: { 'nvidia.com/gpu': 1 } } }, { model: { modelFormat: { name: 'huggingface' }, storageUri: 's3://bucket/iris', resources: { limits: { 'nvidia.com/gpu': 1 } } } }],
  ])('model type %j with %j -> predictor %j', (modelType, settings, predictor) => {
    expect(buildInferenceService(stored({ modelType, ...settings }), {}, TARGET).spec).toEqual({ predictor });
  });

  it('the spec mark follows the spec, not the annotations or replica counts', () => {
    const mark = (config: Record<string, unknown>) => buildInferenceService(stored({ modelType: 'sklearn', ...config }), {}, TARGET).metadata.annotations!['zenml.io/spec-hash'];
    expect(mark({})).toBe(mark({ description: 'only the stored service changes' }));
    expect(mark({})).not.toBe(mark({ modelUri: 's3://bucket/iris-v2' }));
    expect(mark({})).not.toBe(mark({ maxReplicas: 3 }));
  });

  it('Standard mode: a first deploy with a canary is refused (nothing to run beside)', () => {
    const attempt = () => buildInferenceService(stored({ modelType: 'sklearn', canaryTrafficPercent: 10 }), { deploymentMode: 'RawDeployment' }, TARGET);
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(/-c canaryTrafficPercent: a canary runs beside a model already deployed/);
  });

  const standardLive = (predictor: Record<string, unknown>, canary?: unknown[]): KubeObject => ({
    metadata: { name: NAME, annotations: { 'serving.kserve.io/deploymentMode': 'Standard' } },
    spec: { predictor, ...(canary ? { canary } : {}) },
  });

  it('Standard mode: a --replace with a canary keeps the live predictor and adds the new model as spec.canary[] (v2, v3, ...)', () => {
    const livePredictor = { model: { modelFormat: { name: 'sklearn' }, storageUri: 's3://bucket/iris', runtime: 'kserve-sklearnserver' }, minReplicas: 2 };
    const next = stored({ modelType: 'sklearn', modelUri: 's3://bucket/iris-v2', canaryTrafficPercent: 10, maxReplicas: 4 });
    expect(buildInferenceService(next, {}, TARGET, standardLive(livePredictor)).spec).toEqual({
      predictor: livePredictor,
      // No maxReplicas on a canary (KServe refuses it: canaries have fixed replicas).
      canary: [{ predictor: { name: 'v2', model: { modelFormat: { name: 'sklearn' }, storageUri: 's3://bucket/iris-v2' } }, trafficPercent: 10 }],
    });
    // After a promote (predictor v2), and while a canary v3 runs: the next is v4; a dark launch (0%) gets one pod.
    const live = standardLive({ ...livePredictor, name: 'v2' }, [{ predictor: { name: 'v3' }, trafficPercent: 5 }]);
    const dark = buildInferenceService(stored({ modelType: 'sklearn', canaryTrafficPercent: 0 }), {}, TARGET, live).spec;
    expect(dark.canary).toEqual([{ predictor: { name: 'v4', model: { modelFormat: { name: 'sklearn' }, storageUri: 's3://bucket/iris' }, minReplicas: 1 }, trafficPercent: 0 }]);
    expect(dark.predictor.name).toBe('v2');
  });

  it("Standard mode: a canary whose host KServe could not name (over 63 characters with the namespace) is refused, exit 2", () => {
    const next = stored({ modelType: 'sklearn', modelUri: 's3://bucket/iris-v2', canaryTrafficPercent: 10 });
    const live = standardLive({ model: { modelFormat: { name: 'sklearn' } } });
    // zenml-<uuid> (42) + "-v2-predictor-" (14) + "models" (6) = 62: fits; an 8-character namespace does not.
    expect(buildInferenceService(next, {}, TARGET, live).spec.canary).toHaveLength(1);
    const attempt = () => buildInferenceService(next, {}, { ...TARGET, namespace: 'k1-30658' }, live);
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(`-c canaryTrafficPercent: KServe cannot name this canary's host: '${NAME}-v2-predictor-k1-30658' is 64 characters, more than 63`);
    expect(() => attempt()).toThrow(expect.objectContaining({ exitCode: 2, code: 'KSERVE_CANARY_HOST_TOO_LONG', suggestion: "canaries of this model server need a namespace of at most 7 characters (this one is 'k1-30658')" }));
  });

  it('a --replace without a canary replaces the predictor, keeps its name and drops the canary', () => {
    const live = standardLive({ name: 'v2', model: { modelFormat: { name: 'sklearn' } } }, [{ predictor: { name: 'v3' }, trafficPercent: 5 }]);
    expect(buildInferenceService(stored({ modelType: 'sklearn' }), {}, TARGET, live).spec).toEqual({ predictor: { name: 'v2', model: { modelFormat: { name: 'sklearn' }, storageUri: 's3://bucket/iris' } } });
  });

  it('Knative mode (or the old name Serverless): the canary is the predictor\'s canaryTrafficPercent', () => {
    const m = buildInferenceService(stored({ modelType: 'sklearn', canaryTrafficPercent: 10 }), { deploymentMode: 'Serverless' }, TARGET);
    expect(m.metadata.annotations!['serving.kserve.io/deploymentMode']).toBe('Knative');
    expect(m.spec.predictor.canaryTrafficPercent).toBe(10);
    expect(m.spec).not.toHaveProperty('canary');
  });

  it.each([
    [{ modelType: 'weird' }, /no KServe model format for model type 'weird'/],
    [{ modelType: 'sklearn', protocolVersion: 'v3' }, /-c protocolVersion: expected v1 or v2 \(got "v3"\)/],
    [{ modelType: 'sklearn', minReplicas: 3, maxReplicas: 2 }, /-c maxReplicas: 2 is below minReplicas 3/],
    [{ modelType: 'sklearn', canaryTrafficPercent: 10.5 }, /canaryTrafficPercent.*expected a whole percentage/],
    [{ modelType: 'sklearn', runtime: 'Not A Name' }, /runtime.*expected the name of a ServingRuntime/],
  ])('%j is a usage error (exit 2)', (config, message) => {
    const attempt = () => resolveKserveServiceSettings(parseServiceConfig({ modelUri: 's3://m', ...config }));
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect((error as UsageError).exitCode).toBe(ExitCode.USAGE);
    }
  });
});

describe('readKserveState', () => {
  it.each([
    ['no status yet', undefined, 'pending_startup', ''],
    ['Ready Unknown', { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'Unknown' }] }, 'pending_startup', 'KServe reports Ready Unknown'],
    ['Ready True', { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }] }, 'active', ''],
    ['Ready True for an older generation', { observedGeneration: 0, conditions: [{ type: 'Ready', status: 'True' }] }, 'pending_startup', 'waiting for KServe to observe generation 1'],
    ['Ready False with a reason', { conditions: [{ type: 'Ready', status: 'False', reason: 'RevisionFailed', message: 'model not found' }] }, 'error', 'RevisionFailed: model not found'],
    ['Ready False without a reason', { conditions: [{ type: 'Ready', status: 'False' }] }, 'pending_startup', 'KServe reports Ready False'],
    ['Ready False, Stopped (left over after a start)', { conditions: [{ type: 'Ready', status: 'False', reason: 'Stopped' }] }, 'pending_startup', 'KServe reports Ready False: Stopped'],
  ])('%s', (_label, status, state, lastError) => {
    expect(readKserveState(resource({ status }))).toEqual({ state, lastError });
  });

  it('the stop annotation is "true" only when it says so', () => {
    expect(isKserveStopped(resource({ annotations: { 'serving.kserve.io/stop': 'true' } }))).toBe(true);
    expect(isKserveStopped(resource({ annotations: { 'serving.kserve.io/stop': 'false' } }))).toBe(false);
    expect(isKserveStopped(resource())).toBe(false);
  });
});

describe('readKserveStateWith, Standard mode (from the Deployments KServe made)', () => {
  const MARK = 'aaaaaaaaaaaaaaaa';
  const ready = { conditions: [{ type: 'PredictorReady', status: 'True' }, { type: 'Ready', status: 'True' }] };
  const isvc = (spec: any, status: any = ready) => ({
    metadata: { name: NAME, generation: 5, annotations: { 'serving.kserve.io/deploymentMode': 'Standard', 'zenml.io/spec-hash': MARK } },
    spec,
    status,
  });
  const deployment = (name: string, over: { mark?: string; updated?: number; deleting?: boolean } = {}) => ({
    metadata: { name, generation: 2, labels: { app: `isvc.${name}` }, annotations: { 'zenml.io/spec-hash': over.mark ?? MARK }, ...(over.deleting ? { deletionTimestamp: 'x' } : {}) },
    spec: { replicas: 1 },
    status: { observedGeneration: 2, replicas: 1, updatedReplicas: over.updated ?? 1, availableReplicas: over.updated ?? 1 },
  });
  const stable = { model: { modelFormat: { name: 'sklearn' } } };
  const withCanary = { predictor: stable, canary: [{ predictor: { name: 'v2' }, trafficPercent: 10 }] };
  const canaryReady = { conditions: [...ready.conditions, { type: 'CanaryPredictorReady', status: 'True', reason: 'AllCanariesReady' }] };
  const at = (name: string) => `${NAME}-${name}`;
  it.each([
    ['rolled out, Ready', { predictor: stable }, ready, [deployment(at('predictor'))], 'active', ''],
    // KServe's observedGeneration (the Deployment's) is ignored: generation 5 vs 2 is still active.
    ['no Deployment yet', { predictor: stable }, ready, [], 'pending_startup', 'waiting for KServe to create the predictor Deployment'],
    ['an older spec on the Deployment', { predictor: stable }, ready, [deployment(at('predictor'), { mark: 'old' })], 'pending_startup', `waiting for KServe to apply the current spec to Deployment ${at('predictor')}`],
    ['rolling out', { predictor: stable }, ready, [deployment(at('predictor'), { updated: 0 })], 'pending_startup', `Deployment ${at('predictor')}: 0 of 1 new replicas have been updated`],
    ['canary Deployment not made yet', withCanary, canaryReady, [deployment(at('predictor'))], 'pending_startup', `waiting for KServe to create Deployment ${at('v2-predictor')}`],
    ['canary not ready for KServe', withCanary, { conditions: [...ready.conditions, { type: 'CanaryPredictorReady', status: 'False', reason: 'CanariesNotReady' }] }, [deployment(at('predictor')), deployment(at('v2-predictor'))], 'pending_startup', 'KServe reports CanaryPredictorReady False: CanariesNotReady'],
    ['canary running', withCanary, canaryReady, [deployment(at('predictor')), deployment(at('v2-predictor'))], 'active', ''],
    ['after a promote, the old stable Deployment is still there', { predictor: { ...stable, name: 'v2' } }, ready, [deployment(at('predictor')), deployment(at('v2-predictor'))], 'pending_startup', `waiting for KServe to remove Deployment ${at('predictor')}`],
    ['Ready False from KServe once rolled out', { predictor: stable }, { conditions: [{ type: 'Ready', status: 'False', reason: 'MinimumReplicasUnavailable' }] }, [deployment(at('predictor'))], 'pending_startup', 'KServe reports Ready False: MinimumReplicasUnavailable'],
  ])('%s', (_label, spec, status, deployments, state, lastError) => {
    expect(readKserveStateWith(isvc(spec, status) as KubeObject, { deployments: deployments as any, pods: [] })).toEqual({ state, lastError });
  });

  it('a failing pod is an error with its reason; no status for long names the controller', () => {
    const pod = { metadata: { name: 'p1', labels: { app: `isvc.${at('predictor')}` } }, status: { phase: 'Running', containerStatuses: [{ name: 'kserve-container', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } } }] } };
    expect(readKserveStateWith(isvc({ predictor: stable }) as KubeObject, { deployments: [deployment(at('predictor'), { updated: 0 })] as any, pods: [pod] })).toEqual({
      state: 'error',
      lastError: `Deployment ${at('predictor')}: pod p1: container kserve-container: CrashLoopBackOff: back-off 40s`,
    });
    const silent = { metadata: { name: NAME, creationTimestamp: '2026-01-01T00:00:00Z', annotations: {} }, spec: { predictor: stable } };
    expect(readKserveStateWith(silent as KubeObject, undefined, Date.parse('2026-01-01T00:01:00Z'))).toEqual({
      state: 'pending_startup',
      lastError: 'the InferenceService has no status from KServe after 60 s: is the KServe controller running?',
    });
  });
});

describe('rollbackTarget', () => {
  const withRevisions = (predictor: Record<string, unknown>) => resource({ status: { components: { predictor } } });
  it.each([
    ['a canary in progress: the rolled-out revision', { latestReadyRevision: 'r2', latestRolledoutRevision: 'r1', previousRolledoutRevision: 'r0' }, 'r1'],
    ['after a full rollout: the one before it', { latestReadyRevision: 'r2', latestRolledoutRevision: 'r2', previousRolledoutRevision: 'r1' }, 'r1'],
    ['a first revision: none', { latestReadyRevision: 'r1', latestRolledoutRevision: 'r1' }, ''],
    ['no status: none', {}, ''],
  ])('%s', (_label, predictor, target) => {
    expect(rollbackTarget(withRevisions(predictor))).toBe(target);
  });
});

describe('kserveServerInfo', () => {
  function service(status: any, spec?: any) {
    const r = resource({ status, spec });
    return new InferenceServiceService({
      uuid: UUID,
      config: parseServiceConfig({ modelName: 'iris', modelUri: 's3://bucket/iris' }),
      flavor: 'kserve',
      extra: { ...kserveLiveFacts(r), resourceName: NAME, namespace: 'models', context: 'prod', generation: 1 },
    });
  }
  const status = {
    url: `http://${NAME}.models.example.com`,
    components: { predictor: { latestReadyRevision: 'r2', latestRolledoutRevision: 'r1', traffic: [{ revisionName: 'r2', percent: 10, latestRevision: true }, { revisionName: 'r1', percent: 90 }] } },
  };

  it('v1 URLs from status.url, the traffic split in one line, no Host header without baseUrl', () => {
    expect(kserveServerInfo(service(status), undefined)).toMatchObject({
      PREDICTION_URL: `http://${NAME}.models.example.com/v1/models/${NAME}:predict`,
      HEALTH_CHECK_URL: `http://${NAME}.models.example.com/v1/models/${NAME}`,
      HOST_HEADER: '',
      TRAFFIC: 'r2 10% (latest), r1 90%',
      LATEST_ROLLED_OUT_REVISION: 'r1',
      RESOURCE: `InferenceService/${NAME}`,
    });
  });

  it('v2 URLs through an ingress at baseUrl, with the Host header of status.url', () => {
    const info = kserveServerInfo(service(status, { predictor: { model: { modelFormat: { name: 'onnx' }, protocolVersion: 'v2' } } }), 'http://ingress.example.com/');
    expect(info).toMatchObject({
      PREDICTION_URL: `http://ingress.example.com/v2/models/${NAME}/infer`,
      HEALTH_CHECK_URL: `http://ingress.example.com/v2/models/${NAME}/ready`,
      HOST_HEADER: `${NAME}.models.example.com`,
      PROTOCOL: 'v2',
    });
  });

  it('lists the conditions KServe wrote, with the reason of any not True; no READY_REPLICAS (KServe counts none)', () => {
    const conditions = [
      { type: 'IngressReady', status: 'True' },
      { type: 'PredictorReady', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      { type: 'Ready', status: 'False', reason: 'MinimumReplicasUnavailable' },
    ];
    const info = kserveServerInfo(service({ ...status, conditions }), undefined);
    expect(info.CONDITIONS).toBe('IngressReady=True, PredictorReady=False (MinimumReplicasUnavailable), Ready=False (MinimumReplicasUnavailable)');
    expect(info).not.toHaveProperty('READY_REPLICAS');
    expect(kserveServerInfo(service(status), undefined).CONDITIONS).toBe('');
  });

  it('no URLs before KServe wrote status.url', () => {
    expect(kserveServerInfo(service(undefined), 'http://ingress.example.com')).toMatchObject({ PREDICTION_URL: '', HEALTH_CHECK_URL: '', HOST_HEADER: '' });
  });
});

describe('kserveSettingsSchema', () => {
  it('accepts the seldon-like settings plus deploymentMode; baseUrl is optional', () => {
    for (const mode of ['Standard', 'Knative', 'RawDeployment', 'Serverless']) expect(kserveSettingsSchema.parse({ deploymentMode: mode })).toEqual({ deploymentMode: mode });
    expect(kserveSettingsSchema.safeParse({ deploymentMode: 'Fast' }).success).toBe(false);
    expect(kserveSettingsSchema.safeParse({ baseUrl: 'ftp://x' }).success).toBe(false);
  });
});
