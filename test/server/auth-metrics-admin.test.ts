// Bearer tokens on prediction, metadata and admin endpoints (health stays open), the status endpoint, the
// Prometheus text at /metrics, and the default 10 MiB body limit.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_TOKEN, bearer, IRIS_V1, rawRequest, startServer, stopAllServers, type ServerProcess } from '../helpers/server-harness.js';

const USER_TOKEN = 'user-secret';
let server: ServerProcess;

beforeAll(async () => {
  server = await startServer({ authToken: USER_TOKEN });
});

afterAll(stopAllServers);

const predict = (headers: Record<string, string> = {}) =>
  rawRequest(`${server.url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] }),
  });

describe('authentication', () => {
  it('prediction needs the auth token (or the admin token)', async () => {
    const none = await predict();
    expect(none.status).toBe(401);
    expect(none.json().error).toMatch(/missing bearer token/);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(none.headers['x-zenml-instance']).toBe(server.runtime.instanceId);
    expect((await predict(bearer('wrong'))).json().error).toBe('invalid bearer token');
    expect((await predict(bearer(USER_TOKEN))).status).toBe(200);
    expect((await predict(bearer(ADMIN_TOKEN))).status).toBe(200);
  });

  it.each(['/version', '/v2', '/v2/models/iris', '/metrics'])('metadata endpoint %s needs the token', async (path) => {
    expect((await rawRequest(server.url + path)).status).toBe(401);
    expect((await rawRequest(server.url + path, { headers: bearer(USER_TOKEN) })).status).toBe(200);
  });

  it('v2 infer needs the token', async () => {
    const body = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] });
    expect((await rawRequest(`${server.url}/v2/models/iris/infer`, { method: 'POST', body })).status).toBe(401);
    expect((await rawRequest(`${server.url}/v2/models/iris/infer`, { method: 'POST', body, headers: bearer(USER_TOKEN) })).status).toBe(200);
  });

  it.each(['/ping', '/health', '/v2/health/live', '/v2/health/ready', '/v2/models/iris/ready'])('health endpoint %s stays open', async (path) => {
    expect((await rawRequest(server.url + path)).status).toBe(200);
  });

  it('admin endpoints take only the admin token', async () => {
    expect((await rawRequest(`${server.url}/_zenml/status`)).status).toBe(401);
    expect((await rawRequest(`${server.url}/_zenml/status`, { headers: bearer(USER_TOKEN) })).status).toBe(401);
    const swap = await rawRequest(`${server.url}/_zenml/models/iris`, {
      method: 'PUT',
      headers: bearer(USER_TOKEN),
      body: JSON.stringify({ version: 'v9', uri: IRIS_V1 }),
    });
    expect(swap.status).toBe(401);
  });
});

describe('GET /_zenml/status', () => {
  it('reports identity, models, batching and workers', async () => {
    const r = await rawRequest(`${server.url}/_zenml/status`, { headers: bearer(ADMIN_TOKEN) });
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({
      instanceId: server.runtime.instanceId,
      pid: server.runtime.pid,
      models: [{ name: 'iris', version: 'v1', uri: IRIS_V1, loadedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }],
      batching: { enabled: true, maxBatchSize: 1024, maxWaitMs: 2 },
      workers: 1,
      worker: { index: 0, pid: server.runtime.pid, inflightRequests: 0 },
    });
  });
});

describe('GET /metrics', () => {
  it('is Prometheus text with request counts, latency and batch histograms and the load time', async () => {
    for (let i = 0; i < 3; i += 1) await predict(bearer(USER_TOKEN));
    await rawRequest(`${server.url}/invocations?model=ghost`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(USER_TOKEN) },
      body: '{}',
    });
    const r = await rawRequest(`${server.url}/metrics`, { headers: bearer(USER_TOKEN) });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = r.text;
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    // Earlier tests in this file made more; at least the three just sent (and the one 404) are counted.
    expect(value('zenml_server_requests_total{model="iris",endpoint="invocations",code="200",protocol="http"}')).toBeGreaterThanOrEqual(5);
    expect(value('zenml_server_requests_total{model="(unknown)",endpoint="invocations",code="404",protocol="http"}')).toBe(1);
    expect(value('zenml_server_requests_total{model="",endpoint="invocations",code="401",protocol="http"}')).toBeGreaterThanOrEqual(1);
    expect(text).toContain('# TYPE zenml_server_request_duration_seconds histogram');
    const count = value('zenml_server_request_duration_seconds_count{model="iris",endpoint="invocations",protocol="http"}')!;
    expect(value('zenml_server_request_duration_seconds_bucket{model="iris",endpoint="invocations",protocol="http",le="+Inf"}')).toBe(count);
    expect(value('zenml_server_request_duration_seconds_sum{model="iris",endpoint="invocations",protocol="http"}')).toBeGreaterThan(0);
    expect(value('zenml_server_model_load_seconds{model="iris",version="v1"}')).toBeGreaterThan(0);
    expect(text).toContain('# TYPE zenml_server_batch_size histogram');
    expect(value('zenml_server_batch_size_count{model="iris"}')).toBeGreaterThanOrEqual(5);
    // Every non-comment line is `name{labels} number`.
    for (const line of text.trim().split('\n').filter((l) => !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? -?[0-9.e+-]+$/);
    }
  });
});

describe('default body limit', () => {
  it('answers 413 above 10 MiB and keeps serving', async () => {
    const r = await fetch(`${server.url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(USER_TOKEN) },
      body: Buffer.alloc(10 * 1024 * 1024 + 1, 32),
    });
    expect(r.status).toBe(413);
    expect(((await r.json()) as { error: string }).error).toBe('request body exceeds the limit of 10485760 bytes (maxBodyBytes)');
    expect((await predict(bearer(USER_TOKEN))).status).toBe(200);
  });
});
