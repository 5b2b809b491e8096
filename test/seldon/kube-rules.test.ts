// The Kubernetes layer's rules for shared clusters, pure and in-process: which 429/503 answers are waited out
// and how a throttled call is reported, which pods have no logs to read yet and how a log request the API
// server could not serve is reported, which model URIs a pod cannot read, and which service settings
// `deploy --replace` keeps.
import type { V1Pod } from '@kubernetes/client-node';
import { ApiException } from '@kubernetes/client-node';
import { ExitCode, UsageError } from '../../src/errors.js';
import { checkClusterModelUri, localModelUriReason } from '../../src/integrations/kubernetes/cluster-model-uri.js';
import { translateKubeError, type KubeOperation } from '../../src/integrations/kubernetes/kube-errors.js';
import { keepServiceSettings } from '../../src/integrations/kubernetes/kept-settings.js';
import { MAX_RETRY_AFTER_SECONDS, RetriesExhausted, retryDelaySeconds, throttleFacts } from '../../src/integrations/kubernetes/kube-retry.js';
import { podNoLogsReason } from '../../src/integrations/kubernetes/pod-logs.js';
import { SELDON_DEPLOYMENT } from '../../src/integrations/seldon/seldon-kind.js';
import { parseServiceConfig } from '../../src/services/service-config.js';

const target = { server: 'https://127.0.0.1:6443', context: 'zenml-test' };
const list: KubeOperation = { verb: 'list', resource: SELDON_DEPLOYMENT, namespace: 'models' };
const status = (code: number, message: string) => JSON.stringify({ kind: 'Status', code, message });
const apiError = (code: number, message: string, headers: Record<string, string> = {}) => new ApiException(code, 'Unknown API Status Code!', status(code, message), headers);

describe('retryDelaySeconds: what client-go waits out', () => {
  it.each([
    [429, '1', 1],
    [503, '3', 3],
    [429, '0', 0],
    [429, ' 2 ', 2],
    [429, '3600', MAX_RETRY_AFTER_SECONDS],
    [429, undefined, undefined],
    [429, 'Wed, 21 Oct 2026 07:28:00 GMT', undefined],
    [429, '1.5', undefined],
    [429, '-1', undefined],
    [500, '1', undefined],
    [502, '1', undefined],
    [409, '1', undefined],
  ])('status %d with Retry-After %j: wait %j s', (code, header, wait) => {
    expect(retryDelaySeconds(code, header)).toBe(wait);
  });

  it('reads the status and the header as the client library throws them', () => {
    expect(throttleFacts(apiError(429, 'slow down', { 'retry-after': '2' }))).toEqual({ status: 429, retryAfter: '2' });
    expect(throttleFacts(new Error('boom'))).toEqual({ status: 0, retryAfter: undefined });
  });
});

describe('translateKubeError for a throttling API server', () => {
  const throttled = apiError(429, 'Too many requests, please try again later.', { 'retry-after': '1' });
  const unavailable = apiError(503, 'the server is currently unable to handle the request', { 'retry-after': '5' });

  it.each([
    ['429 without Retry-After', apiError(429, 'Too many requests, please try again later.'), 'KUBERNETES_THROTTLED', ExitCode.FAILURE, /turned away the request to list seldondeployments\.machinelearning\.seldon\.io in namespace 'models' \(429 Too Many Requests: Too many requests, please try again later\.\), without a Retry-After to wait for$/],
    ['503 without Retry-After', apiError(503, 'etcd leader changed'), 'KUBERNETES_UNAVAILABLE', ExitCode.FAILURE, /\(503 Service Unavailable: etcd leader changed\), without a Retry-After/],
    ['429 after every retry', new RetriesExhausted(throttled, 10, 1, 'max-retries'), 'KUBERNETES_THROTTLED', ExitCode.FAILURE, /\(429 Too Many Requests: .*\), and again after 10 retries$/],
    ['503 past the --timeout', new RetriesExhausted(unavailable, 2, 5, 'deadline', 3), 'KUBERNETES_UNAVAILABLE', ExitCode.TIMEOUT, /after 2 retries; it asks to retry in 5 s, past the --timeout of 3 s$/],
    ['429 past the default budget', new RetriesExhausted(throttled, 1, 10, 'deadline'), 'KUBERNETES_THROTTLED', ExitCode.TIMEOUT, /after 1 retry; it asks to retry in 10 s, past the 60 s zenml waits for it$/],
  ])('%s: the code, the exit code, one line', (_name, error, code, exitCode, message) => {
    const translated = translateKubeError(error, list, target);
    expect({ code: translated.code, exitCode: translated.exitCode }).toEqual({ code, exitCode });
    expect(translated.message).toMatch(message);
    expect(translated.message).toMatch(/^the Kubernetes API server https:\/\/127\.0\.0\.1:6443 \(context 'zenml-test'\)/);
    expect(translated.message).not.toContain('\n');
    expect(translated.suggestion).toMatch(/longer --timeout/);
  });
});

describe('pod logs that cannot be read', () => {
  const logOp: KubeOperation = { verb: 'get', resource: { plural: 'pods/log', group: '' }, namespace: 'models', name: 'zenml-x-0', node: 'worker-3' };

  it('a kubelet the API server cannot reach: the node serves no logs (exit 1), not "HTTP 500"', () => {
    const error = apiError(500, 'Get "https://10.0.0.7:10250/containerLogs/models/zenml-x-0/classifier": dial tcp 10.0.0.7:10250: connect: connection refused');
    const translated = translateKubeError(error, logOp, target);
    expect({ code: translated.code, exitCode: translated.exitCode }).toEqual({ code: 'KUBERNETES_LOGS_UNAVAILABLE', exitCode: ExitCode.FAILURE });
    expect(translated.message).toMatch(/^the logs of pod 'zenml-x-0' cannot be read: its node 'worker-3' serves no logs \(the API server could not get them from the node's kubelet: Get .*connection refused\)$/);
    expect(translated.message).not.toMatch(/HTTP 500/);
  });

  it("the kubelet's 400 for a container that has not started: no logs yet (exit 3)", () => {
    const translated = translateKubeError(apiError(400, 'container "classifier" in pod "zenml-x-0" is waiting to start: ContainerCreating'), logOp, target);
    expect({ code: translated.code, exitCode: translated.exitCode }).toEqual({ code: 'NO_LOGS', exitCode: ExitCode.NOT_FOUND });
    expect(translated.message).toBe('pod \'zenml-x-0\' has no logs to read yet: container "classifier" in pod "zenml-x-0" is waiting to start: ContainerCreating');
  });

  it('other resources keep the general translation', () => {
    expect(translateKubeError(apiError(500, 'etcd timed out'), list, target).code).toBe('KUBERNETES_API');
  });

  const pod = (over: { nodeName?: string; conditions?: unknown[]; containerStatuses?: unknown[] }): V1Pod =>
    ({ metadata: { name: 'zenml-x-0' }, spec: { nodeName: over.nodeName, containers: [{ name: 'classifier' }] }, status: { phase: 'Pending', conditions: over.conditions, containerStatuses: over.containerStatuses } }) as V1Pod;

  it.each([
    ['not scheduled', pod({}), "pod 'zenml-x-0' is not scheduled to a node yet, so it has no logs"],
    [
      'unschedulable',
      pod({ conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.' }] }),
      "pod 'zenml-x-0' is not scheduled to a node yet (Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.), so it has no logs",
    ],
    [
      'container creating',
      pod({ nodeName: 'worker-3', containerStatuses: [{ name: 'classifier', state: { waiting: { reason: 'ContainerCreating' } } }] }),
      "container 'classifier' of pod 'zenml-x-0' (node 'worker-3') has not started yet (ContainerCreating), so it has no logs",
    ],
    ['crash-looping: its last run has logs', pod({ nodeName: 'worker-3', containerStatuses: [{ name: 'classifier', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } }] }), ''],
    ['running', pod({ nodeName: 'worker-3', containerStatuses: [{ name: 'classifier', state: { running: {} } }] }), ''],
    ['scheduled, no status yet: ask the kubelet', pod({ nodeName: 'worker-3' }), ''],
  ])('%s', (_name, p, reason) => {
    expect(podNoLogsReason(p, 'classifier')).toBe(reason);
  });
});

describe('model URIs a cluster pod can read', () => {
  it.each(['./model.onnx', 'model.onnx', 'models/iris', '/home/me/model.onnx', '~/model.onnx', 'C:\\models\\iris.onnx', 'C://models/iris', 'file:///home/me/model.onnx', 'FILE:///m'])('%s is refused', (uri) => {
    expect(localModelUriReason(uri)).not.toBe('');
    const error = (() => {
      try {
        checkClusterModelUri(uri, 'seldon');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ exitCode: ExitCode.USAGE, code: 'LOCAL_MODEL_URI' });
    expect((error as UsageError).message).toMatch(new RegExp(`^--model-uri .*: the seldon flavor runs model servers in cluster pods, which cannot read (a local path|a file:// URI on this machine)$`));
    expect((error as UsageError).suggestion).toMatch(/s3:\/\/, gs:\/\/, pvc:\/\/, https:\/\//);
  });

  it.each(['s3://bucket/iris', 'gs://bucket/iris', 'pvc://models-pvc/iris', 'https://example.com/iris.onnx', 'http://minio:9000/m', 'hdfs://nn/m', 'webhdfs://nn/m', 'hf://org/model', 'oci://registry/m:1', 'oci+native://registry/m', 'azureblob://container/m', 'https://acct.blob.core.windows.net/c/m', ''])(
    '%j is accepted',
    (uri) => {
      expect(localModelUriReason(uri)).toBe('');
      expect(() => checkClusterModelUri(uri, 'kserve')).not.toThrow();
    },
  );
});

describe('keepServiceSettings: what deploy --replace keeps', () => {
  const previous = parseServiceConfig({ modelName: 'iris', modelUri: 's3://m/v1', modelType: 'sklearn', pipelineRunId: 'run-1', replicas: 2, resources: { limits: { cpu: '1' } }, parameters: { method: 'predict_proba' }, canaryTrafficPercent: 10 });

  it('keeps the settings not given again; the model and pipeline keys are the new deploy\'s', () => {
    const next = parseServiceConfig({ modelName: 'iris', modelUri: 's3://m/v2', modelType: 'sklearn' });
    const kept = keepServiceSettings(previous, next);
    expect(kept).toEqual({ ...next, replicas: 2, resources: { limits: { cpu: '1' } }, parameters: { method: 'predict_proba' }, canaryTrafficPercent: 10 });
    expect(kept.pipelineRunId).toBe('');
  });

  it('a setting given again wins, even when it is the default', () => {
    const next = parseServiceConfig({ modelName: 'iris', modelUri: 's3://m/v2', replicas: 1, parameters: {} });
    expect(keepServiceSettings(previous, next)).toMatchObject({ replicas: 1, parameters: {}, resources: { limits: { cpu: '1' } } });
  });

  it("a flavor's rollout-only settings are never kept", () => {
    const next = parseServiceConfig({ modelName: 'iris', modelUri: 's3://m/v2' });
    expect(keepServiceSettings(previous, next, ['canaryTrafficPercent'])).not.toHaveProperty('canaryTrafficPercent');
  });

  it('copies values, so the new config never shares objects with the old', () => {
    const kept = keepServiceSettings(previous, parseServiceConfig({ modelName: 'iris' }));
    expect(kept.resources).toEqual(previous.resources);
    expect(kept.resources).not.toBe(previous.resources);
  });
});
