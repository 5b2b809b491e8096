// The Kubernetes layer's pure parts, in-process and without a cluster: label values and selectors,
// the service and replica annotations, the error translation (with failures shaped as the client
// library throws them), merge patches, and kubeconfig discovery over temp files.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiException } from '@kubernetes/client-node';
import { ExitCode, ZenmlError } from '../../src/errors.js';
import { chooseKubeconfig, loadKubeTarget, type DiscoveryEnv } from '../../src/integrations/kubernetes/kube-config.js';
import { classifyKubeFailure, translateKubeError, type KubeOperation } from '../../src/integrations/kubernetes/kube-errors.js';
import {
  COMPONENT_ANNOTATION,
  COMPONENT_LABEL,
  componentLabelValue,
  isManaged,
  ownedBy,
  ownerOf,
  labelSelector,
  type LabelledMetadata,
  managedMetadata,
  readReplicasAnnotation,
  readServiceAnnotation,
  REPLICAS_ANNOTATION,
  sanitizeLabelValue,
  SERVICE_ANNOTATION,
  serviceLabels,
} from '../../src/integrations/kubernetes/kube-labels.js';
import { applyMergePatch, mergePatchFor } from '../../src/integrations/kubernetes/merge-patch.js';
import { resourceNameFor } from '../../src/integrations/kubernetes/kubernetes-deployer.js';
import { parseServiceConfig } from '../../src/services/service-config.js';
import { SELDON_DEPLOYMENT } from '../../src/integrations/seldon/seldon-kind.js';

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const UUID = '0b9f3c1e-4a2d-4f6b-9c8e-1d2e3f4a5b6c';

describe('sanitizeLabelValue', () => {
  it.each([
    ['iris', 'iris'],
    ['training_pipeline.v2', 'training_pipeline.v2'],
    ['', ''],
    ['A-1', 'A-1'],
  ])('keeps a valid value %j as it is', (value, expected) => {
    expect(sanitizeLabelValue(value)).toBe(expected);
  });

  it.each([
    ['my pipeline'],
    ['s3://bucket/iris'],
    ['-leading-dash'],
    ['trailing.'],
    ['ünïcödé'],
    ['x'.repeat(64)],
    ['a/'.repeat(100)],
    ['///'],
  ])('makes %j a valid label value of at most 63 characters, the same every time', (value) => {
    const label = sanitizeLabelValue(value);
    expect(label.length).toBeLessThanOrEqual(63);
    expect(label).toMatch(LABEL_VALUE);
    expect(label).not.toBe(value);
    expect(sanitizeLabelValue(value)).toBe(label);
  });

  it('tells apart values that differ only in replaced characters', () => {
    expect(sanitizeLabelValue('my pipeline')).not.toBe(sanitizeLabelValue('my/pipeline'));
    expect(sanitizeLabelValue(`${'x'.repeat(70)}a`)).not.toBe(sanitizeLabelValue(`${'x'.repeat(70)}b`));
  });
});

describe('labels and selectors', () => {
  const config = parseServiceConfig({ pipelineName: 'training pipeline', pipelineStepName: 'deployer', modelName: 'iris', modelUri: 's3://bucket/iris', modelType: 'sklearn', pipelineRunId: 'run-1' });

  it('labels a resource with the managed-by marker, its component, its uuid and every non-empty filter key', () => {
    const labels = serviceLabels(UUID, config, 'prod');
    expect(labels['app.kubernetes.io/managed-by']).toBe('zenml');
    expect(labels['zenml.io/component']).toBe('prod');
    expect(labels['zenml.io/service-uuid']).toBe(UUID);
    expect(labels['zenml.io/model-name']).toBe('iris');
    expect(labels['zenml.io/pipeline-name']).toBe(sanitizeLabelValue('training pipeline'));
    expect(labels['zenml.io/model-uri-hash']).toMatch(/^[0-9a-f]{16}$/);
    for (const value of Object.values(labels)) expect(value).toMatch(LABEL_VALUE);
    expect(serviceLabels(UUID, parseServiceConfig({ modelName: 'iris' }), 'prod')).not.toHaveProperty('zenml.io/pipeline-name');
  });

  // Each filter key selects exactly the label deploy wrote for the same value.
  it.each([
    [{ modelName: 'iris' }, 'zenml.io/model-name'],
    [{ pipelineName: 'training pipeline' }, 'zenml.io/pipeline-name'],
    [{ pipelineStepName: 'deployer' }, 'zenml.io/pipeline-step-name'],
    [{ pipelineRunId: 'run-1' }, 'zenml.io/pipeline-run-id'],
    [{ modelType: 'sklearn' }, 'zenml.io/model-type'],
    [{ modelUri: 's3://bucket/iris' }, 'zenml.io/model-uri-hash'],
    [{ serviceUuid: UUID }, 'zenml.io/service-uuid'],
  ])('filter %j selects by %s, with the value deploy wrote', (filter, key) => {
    const labels = serviceLabels(UUID, config, 'prod');
    expect(labelSelector(filter)).toBe(`app.kubernetes.io/managed-by=zenml,${key}=${labels[key]}`);
    expect(labelSelector(filter, 'prod')).toBe(`app.kubernetes.io/managed-by=zenml,zenml.io/component=prod,${key}=${labels[key]}`);
  });

  it('selects only the marker without filters, and never by a uuid prefix or the running flag', () => {
    expect(labelSelector()).toBe('app.kubernetes.io/managed-by=zenml');
    expect(labelSelector({ serviceUuid: '0b9f', running: true })).toBe('app.kubernetes.io/managed-by=zenml');
  });

  it('builds the resource metadata with the service annotation that reads back to the same service', () => {
    const stored = { type: 'seldon-deployment', flavor: 'seldon', uuid: UUID, config, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z', extra: { note: 'x' } };
    const metadata = managedMetadata({ name: resourceNameFor(UUID), namespace: 'models', component: 'prod_' }, stored);
    expect(metadata.name).toBe(`zenml-${UUID}`);
    expect(isManaged(metadata)).toBe(true);
    expect(metadata.annotations[COMPONENT_ANNOTATION]).toBe('prod_');
    expect(ownedBy(metadata, 'prod_')).toBe(true);
    expect(ownerOf(metadata)).toBe('prod_');
    expect(readServiceAnnotation(metadata)).toEqual(stored);
  });

  // Component names are NAME_PATTERN (src/config/schema.ts): they may end in '_', '-' or '.', which a label value may not.
  it.each([
    ['prod', 'prod'],
    ['team-a.seldon', 'team-a.seldon'],
    ['x'.repeat(63), 'x'.repeat(63)],
    ['prod_', /^prod-[0-9a-f]{8}$/],
    // The example in docs/seldon-flavor.md.
    ['team_', 'team-1b5abff7'],
    ['prod-', /^prod-[0-9a-f]{8}$/],
    ['9lives.', /^9lives-[0-9a-f]{8}$/],
  ])('component %s is labelled %s', (name, value) => {
    const label = componentLabelValue(name);
    if (typeof value === 'string') expect(label).toBe(value);
    else expect(label).toMatch(value);
    expect(label).toMatch(LABEL_VALUE);
    expect(label.length).toBeLessThanOrEqual(63);
  });

  it('tells owners apart: the label selects, the exact name in the annotation settles escaped names', () => {
    const meta = (label?: string, exact?: string): LabelledMetadata => ({
      labels: label === undefined ? {} : { [COMPONENT_LABEL]: label },
      annotations: exact === undefined ? {} : { [COMPONENT_ANNOTATION]: exact },
    });
    // Two names whose escaped forms differ only by hash never share a label; the same name always does.
    expect(componentLabelValue('prod_')).not.toBe(componentLabelValue('prod-'));
    expect(ownedBy(meta('prod', 'prod'), 'prod')).toBe(true);
    expect(ownedBy(meta('prod', 'prod'), 'staging')).toBe(false);
    // Adopted by hand with `kubectl label`: a label and no annotation.
    expect(ownedBy(meta('prod'), 'prod')).toBe(true);
    // A name that happens to equal another's escaped form: the annotation says whose it is.
    const escaped = componentLabelValue('prod_');
    expect(ownedBy(meta(escaped, 'prod_'), escaped)).toBe(false);
    expect(ownedBy(meta(escaped, 'prod_'), 'prod_')).toBe(true);
    // Made before ownership (or by hand): nobody's.
    expect(ownedBy(meta(), 'prod')).toBe(false);
    expect(ownerOf(meta())).toBeNull();
    expect(ownerOf(meta('prod'))).toBe('prod');
    expect(ownerOf(meta(escaped, 'prod_'))).toBe('prod_');
    // An annotation that does not match the label is not believed.
    expect(ownerOf(meta('prod', 'staging'))).toBe('prod');
  });

  it.each([
    [{}, /no zenml.io\/service annotation/],
    [{ annotations: { [SERVICE_ANNOTATION]: '{oops' } }, /not JSON/],
    [{ annotations: { [SERVICE_ANNOTATION]: '{"uuid": 1}' } }, /lacks uuid, type or config/],
  ])('explains a missing or broken service annotation %j', (metadata, reason) => {
    expect(readServiceAnnotation(metadata)).toMatch(reason);
  });

  it.each([
    [undefined, undefined],
    ['{"default":2,"canary":1}', { default: 2, canary: 1 }],
    ['3', { '*': 3 }],
    ['garbage', {}],
    ['{"default":-1}', {}],
  ])('reads the replicas-before-stop annotation %j', (raw, expected) => {
    expect(readReplicasAnnotation(raw === undefined ? {} : { annotations: { [REPLICAS_ANNOTATION]: raw } })).toEqual(expected);
  });

  it('names resources validly (DNS-1123, at most 63)', () => {
    expect(resourceNameFor(UUID.toUpperCase())).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(resourceNameFor(UUID).length).toBeLessThanOrEqual(63);
  });
});

// Failures as @kubernetes/client-node throws them: ApiException with the API server's Status as body text.
function apiError(code: number, status: Record<string, unknown> | string | undefined): unknown {
  return new ApiException(code, 'Unknown API Status Code!', typeof status === 'string' || status === undefined ? status : JSON.stringify(status), {});
}
function networkError(code: string): unknown {
  return Object.assign(new Error(`request to https://127.0.0.1:1/apis failed, reason: connect ${code} 127.0.0.1:1`), { type: 'system', code, errno: code });
}

const target = { server: 'https://127.0.0.1:6443', context: 'zenml-test' };
const create: KubeOperation = { verb: 'create', resource: SELDON_DEPLOYMENT, namespace: 'models', name: 'zenml-x' };

describe('translateKubeError', () => {
  it.each([
    ['connection refused', networkError('ECONNREFUSED'), 'KUBERNETES_UNREACHABLE', ExitCode.FAILURE, /cannot reach the Kubernetes API server https:\/\/127\.0\.0\.1:6443 \(context 'zenml-test'\)/],
    ['a TLS failure', networkError('DEPTH_ZERO_SELF_SIGNED_CERT'), 'KUBERNETES_UNREACHABLE', ExitCode.FAILURE, /cannot reach/],
    ['no answer in time', Object.assign(new Error('The user aborted a request.'), { name: 'AbortError', type: 'aborted' }), 'KUBERNETES_UNREACHABLE', ExitCode.FAILURE, /cannot reach .*: no answer within the request timeout/],
    ['401', apiError(401, undefined), 'KUBERNETES_UNAUTHORIZED', ExitCode.USAGE, /rejected the credentials of context 'zenml-test'.*create seldondeployments\.machinelearning\.seldon\.io 'zenml-x'/],
    [
      '403',
      apiError(403, { kind: 'Status', reason: 'Forbidden', message: 'seldondeployments.machinelearning.seldon.io is forbidden: User "viewer" cannot create resource "seldondeployments"', details: { group: 'machinelearning.seldon.io', kind: 'seldondeployments' } }),
      'KUBERNETES_FORBIDDEN',
      ExitCode.USAGE,
      /context 'zenml-test' may not create seldondeployments\.machinelearning\.seldon\.io in namespace 'models' \(403 Forbidden: .*User "viewer"/,
    ],
    ['404 on the kind (Status)', apiError(404, { kind: 'Status', reason: 'NotFound', message: 'the server could not find the requested resource', details: {} }), 'KUBERNETES_KIND_NOT_INSTALLED', ExitCode.USAGE, /^Seldon Core is not installed in this cluster/],
    ['404 on the kind (bare page)', apiError(404, '404 page not found\n'), 'KUBERNETES_KIND_NOT_INSTALLED', ExitCode.USAGE, /^Seldon Core is not installed in this cluster/],
    ['404 on the namespace', apiError(404, { kind: 'Status', reason: 'NotFound', message: 'namespaces "models" not found', details: { name: 'models', kind: 'namespaces' } }), 'KUBERNETES_NAMESPACE_NOT_FOUND', ExitCode.NOT_FOUND, /namespace 'models' does not exist/],
    ['404 on the object', apiError(404, { kind: 'Status', reason: 'NotFound', message: 'seldondeployments.machinelearning.seldon.io "zenml-x" not found', details: { name: 'zenml-x', kind: 'seldondeployments' } }), 'KUBERNETES_NOT_FOUND', ExitCode.NOT_FOUND, /'zenml-x' does not exist in namespace 'models'/],
    [
      '422',
      apiError(422, { kind: 'Status', reason: 'Invalid', message: 'SeldonDeployment.machinelearning.seldon.io "zenml-x" is invalid: spec.predictors[0].replicas: Invalid value: -1: spec.predictors[0].replicas in body should be greater than or equal to 0' }),
      'KUBERNETES_INVALID',
      ExitCode.USAGE,
      /rejected seldondeployments\.machinelearning\.seldon\.io 'zenml-x': .*spec\.predictors\[0\]\.replicas: Invalid value: -1/,
    ],
    ['409', apiError(409, { kind: 'Status', reason: 'AlreadyExists', message: 'already exists' }), 'KUBERNETES_CONFLICT', ExitCode.FAILURE, /could not create .*already exists/],
    ['500', apiError(500, { kind: 'Status', message: 'etcdserver: request timed out' }), 'KUBERNETES_API', ExitCode.FAILURE, /HTTP 500: etcdserver: request timed out/],
  ])('%s: the right code and exit code, one line', (_name, error, code, exitCode, message) => {
    const translated = translateKubeError(error, create, target);
    expect(translated).toBeInstanceOf(ZenmlError);
    expect({ code: translated.code, exitCode: translated.exitCode }).toEqual({ code, exitCode });
    expect(translated.message).toMatch(message);
    expect(translated.message).not.toContain('\n');
  });

  it('lets a flavor say what is missing: the message comes from the kind', () => {
    const kserve = { ...SELDON_DEPLOYMENT, group: 'serving.kserve.io', plural: 'inferenceservices', notInstalled: { message: 'KServe is not installed in this cluster' } };
    const translated = translateKubeError(apiError(404, '404 page not found'), { ...create, resource: kserve }, target);
    expect(translated.message).toMatch(/^KServe is not installed in this cluster/);
  });

  it('passes zenml errors through and classifies unknown throwables as other', () => {
    const own = new ZenmlError('mine', { code: 'MINE' });
    expect(translateKubeError(own, create, target)).toBe(own);
    expect(classifyKubeFailure(new Error('boom')).type).toBe('other');
  });
});

describe('mergePatchFor', () => {
  it.each([
    [{ a: 1, b: 2 }, { a: 1, b: 3 }, { b: 3 }],
    [{ a: 1, b: 2 }, { a: 1 }, { b: null }],
    [{ a: { x: 1, y: 2 } }, { a: { x: 1 } }, { a: { y: null } }],
    [{ list: [1, 2] }, { list: [1, 2, 3] }, { list: [1, 2, 3] }],
    [{ same: { deep: [1] } }, { same: { deep: [1] } }, {}],
    [{}, { added: { k: 'v' } }, { added: { k: 'v' } }],
  ])('turns %j into %j with %j', (current, desired, patch) => {
    expect(mergePatchFor(current, desired)).toEqual(patch);
    expect(applyMergePatch(current, mergePatchFor(current, desired))).toEqual(desired);
  });
});

describe('kubeconfig discovery', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'zenml-kubeconfig-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const kubeconfig = (name: string, contexts: Array<{ name: string; namespace?: string }>, current: string) => {
    const file = path.join(dir, name);
    const yaml = [
      'apiVersion: v1',
      'kind: Config',
      `current-context: ${current}`,
      'clusters:',
      '- name: c',
      '  cluster: {server: "https://127.0.0.1:6443"}',
      'users:',
      '- name: u',
      '  user: {token: t}',
      'contexts:',
      ...contexts.map((c) => `- name: ${c.name}\n  context: {cluster: c, user: u${c.namespace ? `, namespace: ${c.namespace}` : ''}}`),
    ].join('\n');
    writeFileSync(file, yaml);
    return file;
  };
  const env = (vars: Record<string, string>, home?: string): DiscoveryEnv => ({ env: vars, home, exists: existsSync });

  it('takes the setting first (relative to the dotfile), then KUBECONFIG, then ~/.kube/config, then in-cluster', () => {
    const a = kubeconfig('a.yaml', [{ name: 'a' }], 'a');
    const b = kubeconfig('b.yaml', [{ name: 'b' }], 'b');
    mkdirSync(path.join(dir, 'home/.kube'), { recursive: true });
    const home = kubeconfig('home/.kube/config', [{ name: 'h' }], 'h');
    expect(chooseKubeconfig('a.yaml', dir, env({ KUBECONFIG: b }, path.join(dir, 'home')))).toEqual({ kind: 'file', paths: [a], from: 'setting' });
    expect(chooseKubeconfig(undefined, dir, env({ KUBECONFIG: `${b}${path.delimiter}${a}` }, path.join(dir, 'home')))).toEqual({ kind: 'file', paths: [b, a], from: 'KUBECONFIG' });
    expect(chooseKubeconfig(undefined, dir, env({}, path.join(dir, 'home')))).toEqual({ kind: 'file', paths: [home], from: '~/.kube/config' });
    const inCluster: DiscoveryEnv = { env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' }, home: path.join(dir, 'nohome'), exists: (f) => f.endsWith('serviceaccount/token') };
    expect(chooseKubeconfig(undefined, dir, inCluster)).toEqual({ kind: 'in-cluster' });
  });

  it('fails with one line naming what is missing', () => {
    expect(() => chooseKubeconfig('missing.yaml', dir, env({}))).toThrow(`kubeconfig: ${path.join(dir, 'missing.yaml')} does not exist`);
    expect(() => chooseKubeconfig(undefined, dir, env({}, path.join(dir, 'nohome')))).toThrow(/no kubeconfig found/);
  });

  it("resolves the context (setting, else current) and the namespace (setting, else the context's, else default)", async () => {
    const file = kubeconfig('ctx.yaml', [{ name: 'one', namespace: 'team' }, { name: 'two' }], 'one');
    const d = env({});
    expect(await loadKubeTarget({ kubeconfig: file }, dir, d)).toMatchObject({ context: 'one', namespace: 'team', server: 'https://127.0.0.1:6443' });
    expect(await loadKubeTarget({ kubeconfig: file, kubernetesContext: 'two' }, dir, d)).toMatchObject({ context: 'two', namespace: 'default' });
    expect(await loadKubeTarget({ kubeconfig: file, kubernetesNamespace: 'models' }, dir, d)).toMatchObject({ context: 'one', namespace: 'models' });
    await expect(loadKubeTarget({ kubeconfig: file, kubernetesContext: 'three' }, dir, d)).rejects.toMatchObject({
      exitCode: ExitCode.USAGE,
      message: expect.stringMatching(/kubernetesContext: no context 'three'/),
      suggestion: 'known contexts: one, two',
    });
  });
});
