// Layer 1: the dashboard's pure parts. Metrics are read from text the model server's own renderer wrote; the
// Kubernetes rows (seldon, kserve) come from the flavors' real info functions, as the poller would see them
// (the browser test covers local and mlflow servers; the test cluster is not used here).
import { createMetrics, renderPrometheus } from '../../src/server/metrics.js';
import { parseMetrics, ratesBetween } from '../../src/dashboard/server-metrics.js';
import { serverRow } from '../../src/dashboard/server-row.js';
import { cookieName, hostChecker, isLoopback, readCookie, sameOrigin, sameSecret } from '../../src/dashboard/dashboard-security.js';
import { serviceView } from '../../src/deployers/service-view.js';
import { kserveServerInfo } from '../../src/integrations/kserve/kserve-info.js';
import { InferenceServiceService } from '../../src/integrations/kserve/kserve-service.js';
import { kserveLiveFacts } from '../../src/integrations/kserve/kserve-status.js';
import { seldonServerInfo } from '../../src/integrations/seldon/seldon-info.js';
import { SeldonDeploymentService } from '../../src/integrations/seldon/seldon-service.js';
import { seldonLiveFacts } from '../../src/integrations/seldon/seldon-status.js';
import type { BaseModelDeployer } from '../../src/deployers/base-model-deployer.js';
import type { BaseService } from '../../src/services/base-service.js';
import { parseServiceConfig } from '../../src/services/service-config.js';
import { DashboardOptionsSchema } from '../../src/cli/handlers/dashboard-handler.js';
import { parseOptions } from '../../src/cli/handlers/service-options.js';

describe('parseMetrics and ratesBetween (on the model server’s own Prometheus text)', () => {
  it('counts requests and errors, leaves out probes and scrapes, and interpolates quantiles in the histogram', () => {
    const metrics = createMetrics();
    const before = parseMetrics(renderPrometheus(metrics.snapshot()), 0);
    for (let i = 0; i < 90; i++) metrics.observeRequest('iris', 'invocations', '200', 0.003, 'http');
    for (let i = 0; i < 9; i++) metrics.observeRequest('iris', 'v2_infer', '400', 0.0008, 'http');
    metrics.observeRequest('iris', 'v2_infer', 'OK', 0.2, 'grpc');
    for (let i = 0; i < 50; i++) metrics.observeRequest('', 'v2_ready', '200', 0.0001, 'http'); // health probes
    for (let i = 0; i < 5; i++) metrics.observeRequest('', 'metrics', '200', 0.0001, 'http'); // the dashboard's scrapes
    metrics.observeBatch('iris', 4);
    metrics.observeBatch('iris', 2);
    const after = parseMetrics(renderPrometheus(metrics.snapshot()), 2_000);
    expect(after.requests).toBe(100);
    expect(after.errors).toBe(9);
    const rates = ratesBetween(before, after);
    expect(rates.requestsPerSecond).toBe(50);
    expect(rates.errorRate).toBe(0.09);
    expect(rates.meanBatch).toBe(3);
    // 9 in (0.0005, 0.001], 90 in (0.0025, 0.005]: the median falls in the second bucket, p99 at its top.
    expect(rates.p50Ms).toBeGreaterThan(2.5);
    expect(rates.p50Ms).toBeLessThanOrEqual(5);
    expect(rates.p99Ms).toBe(5);
  });

  it('an interval without requests has a rate of 0 and no latency; a restarted server counts from zero', () => {
    const metrics = createMetrics();
    metrics.observeRequest('m', 'invocations', '200', 0.01, 'http');
    const a = parseMetrics(renderPrometheus(metrics.snapshot()), 0);
    const b = parseMetrics(renderPrometheus(metrics.snapshot()), 1_000);
    expect(ratesBetween(a, b)).toEqual({ requestsPerSecond: 0, p50Ms: null, p99Ms: null, errorRate: null, meanBatch: null });
    const restarted = createMetrics();
    restarted.observeRequest('m', 'invocations', '200', 0.01, 'http');
    expect(ratesBetween({ ...b, requests: 10 }, parseMetrics(renderPrometheus(restarted.snapshot()), 2_000)).requestsPerSecond).toBe(1);
  });
});

const UUID = '0b9f3c1e-4a2d-4f6b-9c8e-1d2e3f4a5b6c';
const NAME = `zenml-${UUID}`;

/** The view the poller builds, through a deployer whose info is the flavor's real info function. */
function viewOf(service: BaseService, info: (s: any) => Record<string, string>) {
  const deployer = { context: { name: 'cluster' }, getModelServerInfo: info } as unknown as BaseModelDeployer;
  return serviceView(deployer, service);
}

/** A SeldonDeploymentService whose live facts are read from `resource` by the flavor's own function. */
function seldonService(resource: Parameters<typeof seldonLiveFacts>[0]) {
  return new SeldonDeploymentService({
    uuid: UUID,
    flavor: 'seldon',
    config: parseServiceConfig({ modelName: 'iris', modelUri: 's3://bucket/iris' }),
    extra: { ...seldonLiveFacts(resource), resourceName: NAME, namespace: 'models', context: 'zenml-test', generation: 3 },
  });
}

describe('serverRow', () => {
  it('a kserve canary: replicas, the traffic split and its revisions; promote and rollback offered', () => {
    const resource = {
      metadata: { name: NAME, namespace: 'models', generation: 2 },
      spec: { predictor: { minReplicas: 1, maxReplicas: 3, canaryTrafficPercent: 10, model: { modelFormat: { name: 'sklearn' } } } },
      status: {
        url: `http://${NAME}.models.example.com`,
        conditions: [{ type: 'Ready', status: 'True' }],
        components: { predictor: { latestReadyRevision: 'r2', latestRolledoutRevision: 'r1', previousRolledoutRevision: 'r0', traffic: [{ revisionName: 'r2', percent: 10, latestRevision: true }, { revisionName: 'r1', percent: 90 }] } },
      },
    };
    const service = new InferenceServiceService({
      uuid: UUID,
      flavor: 'kserve',
      config: parseServiceConfig({ modelName: 'iris', modelUri: 's3://bucket/iris', modelVersion: '2' }),
      extra: { ...kserveLiveFacts(resource), resourceName: NAME, namespace: 'models', context: 'prod', generation: 2 },
    });
    service.setState('active' as never, '');
    const row = serverRow(viewOf(service, (s) => kserveServerInfo(s, undefined)), { rates: null, trafficControl: true, lastStateChange: '2026-01-01T00:00:00.000Z' });
    expect(row).toMatchObject({
      key: `cluster/${UUID}`,
      flavor: 'kserve',
      state: 'active',
      modelName: 'iris',
      modelVersion: '2',
      predictionUrl: `http://${NAME}.models.example.com/v1/models/${NAME}:predict`,
      upSince: '2026-01-01T00:00:00.000Z',
      metrics: null,
      // KServe's status counts no replicas: no ready count is made up.
      kubernetes: { resource: `InferenceService/${NAME}`, namespace: 'models', replicas: '1..3', readyReplicas: '', conditions: 'Ready=True', traffic: 'r2 10% (latest), r1 90%', canaryPercent: '10', latestReadyRevision: 'r2', previousRevision: 'r0' },
      actions: ['predict', 'stop', 'promote', 'rollback', 'delete'],
    });
  });

  it('a running seldon deployment: ready over desired replicas and the conditions, as the operator wrote them', () => {
    const resource = {
      metadata: { name: NAME, namespace: 'models' },
      spec: { predictors: [{ name: 'default', replicas: 2, graph: { name: 'classifier', implementation: 'SKLEARN_SERVER' } }] },
      status: {
        state: 'Creating',
        deploymentStatus: { [`${NAME}-default-0-classifier`]: { replicas: 2, availableReplicas: 1 } },
        conditions: [
          { type: 'DeploymentsReady', status: 'False', reason: 'DeploymentsNotReady' },
          { type: 'Ready', status: 'False', reason: 'DeploymentsNotReady' },
          { type: 'ServicesReady', status: 'True', reason: 'ServicesReady' },
        ],
      },
    };
    const service = seldonService(resource);
    service.setState('pending_startup' as never, 'waiting');
    const row = serverRow(viewOf(service, (s) => seldonServerInfo(s, 'http://gw')), { rates: null, trafficControl: false, lastStateChange: '' });
    expect(row.kubernetes).toMatchObject({
      replicas: '2',
      readyReplicas: '1/2',
      conditions: 'DeploymentsReady=False (DeploymentsNotReady), Ready=False (DeploymentsNotReady), ServicesReady=True',
    });
  });

  it('a stopped seldon deployment: inactive, its replicas to come, start instead of stop, no traffic controls', () => {
    const resource = {
      metadata: { name: NAME, namespace: 'models', annotations: { 'zenml.io/replicas-before-stop': '{"default":2}' } },
      spec: { predictors: [{ name: 'default', replicas: 0, graph: { name: 'classifier', implementation: 'SKLEARN_SERVER' } }] },
      status: { state: 'Available' },
    };
    const service = seldonService(resource);
    service.setState('inactive' as never, '');
    const row = serverRow(viewOf(service, (s) => seldonServerInfo(s, 'http://gw')), { rates: null, trafficControl: false, lastStateChange: '2026-01-01T00:00:00.000Z' });
    expect(row).toMatchObject({
      state: 'inactive',
      upSince: null,
      kubernetes: { resource: `SeldonDeployment/${NAME}`, namespace: 'models', replicas: '0 (stopped; 2 on start)', traffic: '' },
      actions: ['start', 'delete'],
    });
  });

  it('an errored server carries the first line of why; rates are shown only while it runs', () => {
    const service = new SeldonDeploymentService({
      uuid: UUID,
      flavor: 'seldon',
      config: parseServiceConfig({ modelName: 'iris', modelUri: 's3://bucket/iris' }),
      extra: { ...seldonLiveFacts({ metadata: { name: NAME, namespace: 'models' }, spec: { predictors: [] } }), resourceName: NAME, namespace: 'models', context: 'c', generation: 1 },
    });
    service.setState('error' as never, 'ImagePullBackOff: no such image\nsecond line');
    const rates = { requestsPerSecond: 3, p50Ms: 1, p99Ms: 2, errorRate: 0, meanBatch: 1 };
    const row = serverRow(viewOf(service, (s) => seldonServerInfo(s, 'http://gw')), { rates, trafficControl: false, lastStateChange: '' });
    expect(row).toMatchObject({ state: 'error', reason: 'ImagePullBackOff: no such image', metrics: null, actions: ['stop', 'delete'] });
  });
});

describe('request checks', () => {
  it.each([
    ['127.0.0.1', 8000, '127.0.0.1:8000', true],
    ['127.0.0.1', 8000, 'localhost:8000', true],
    ['127.0.0.1', 8000, '[::1]:8000', true],
    ['127.0.0.1', 8000, 'LOCALHOST:8000', true],
    ['127.0.0.1', 8000, '127.0.0.1:8001', false],
    ['127.0.0.1', 8000, 'evil.example.com:8000', false], // DNS rebinding: the attacker's name, our address
    ['127.0.0.1', 8000, '127.0.0.1', false],
    ['127.0.0.1', 8000, undefined, false],
    ['192.168.1.5', 8000, '192.168.1.5:8000', true],
    ['192.168.1.5', 8000, 'evil.example.com:8000', false],
    ['0.0.0.0', 8000, 'any.name:8000', true],
  ])('bound to %s:%i, Host %s is allowed: %s', (bind, port, host, allowed) => {
    expect(hostChecker(bind as string, port as number)(host as string | undefined)).toBe(allowed);
  });

  it('reads the cookie of this port only, compares secrets exactly, and accepts only our own Origin', () => {
    expect(cookieName(8000)).toBe('zenml-dashboard-8000');
    expect(readCookie('a=1; zenml-dashboard-8000=s3cret; zenml-dashboard-8001=other', 'zenml-dashboard-8000')).toBe('s3cret');
    expect(readCookie('zenml-dashboard-80000=x', 'zenml-dashboard-8000')).toBeUndefined();
    expect(sameSecret('s3cret', 's3cret')).toBe(true);
    expect(sameSecret('s3cret', 's3cre')).toBe(false);
    expect(sameSecret('s3cret', undefined)).toBe(false);
    expect(sameOrigin(undefined, '127.0.0.1:8000')).toBe(true);
    expect(sameOrigin('http://127.0.0.1:8000', '127.0.0.1:8000')).toBe(true);
    expect(sameOrigin('http://evil.example.com', '127.0.0.1:8000')).toBe(false);
    expect(sameOrigin('null', '127.0.0.1:8000')).toBe(false);
  });

  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['0.0.0.0', false],
    ['192.168.1.5', false],
    ['example.com', false],
  ])('%s is loopback: %s', (host, loopback) => {
    expect(isLoopback(host)).toBe(loopback);
  });
});

describe('dashboard options', () => {
  it.each([
    [{}, { port: 0, host: '127.0.0.1', open: true }],
    [{ port: '8080', host: 'localhost', open: false }, { port: 8080, host: 'localhost', open: false }],
    [{ port: '0', host: '0.0.0.0', allowRemote: true }, { port: 0, host: '0.0.0.0', allowRemote: true, open: true }],
  ])('%j parses to %j', (raw, expected) => {
    expect(parseOptions(DashboardOptionsSchema, raw)).toEqual(expected);
  });

  it.each([
    [{ port: 'abc' }, '--port: expected a port number (got "abc")'],
    [{ port: '70000' }, '--port: expected a port from 0 to 65535'],
    [{ port: '80.5' }, '--port: expected a whole port number'],
    [{ host: '' }, '--host: expected a host name or address'],
  ])('%j is refused: %s', (raw, message) => {
    expect(() => parseOptions(DashboardOptionsSchema, raw)).toThrow(message);
  });
});
