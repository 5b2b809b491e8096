// The local flavor end to end with real server processes: deploy, find, stop, start, hot swap under load, crash,
// recovery, logs, delete. The steps share one service and run in order.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalModelDeployer, LocalModelService } from '../../src/integrations/local/index.js';
import { isAlive, isPortFree } from '../../src/services/daemon.js';
import { readService } from '../../src/services/service-store.js';
import { NotFoundError, ServerError } from '../../src/errors.js';
import { IRIS_V1, IRIS_V2, Janitor, makeDeployer, predict, requireBuiltServer } from './local-helpers.js';
import { waitFor } from '../helpers/wait.js';

const janitor = new Janitor();
let stateDir: string;
let deployer: LocalModelDeployer;
let service: LocalModelService;
let v1Answer: number[][];
const config = { pipelineName: 'iris-pipeline', pipelineStepName: 'deploy', modelName: 'iris', modelUri: IRIS_V1 };

beforeAll(() => {
  requireBuiltServer();
  stateDir = janitor.tempDir();
  deployer = makeDeployer(stateDir, { workers: 2 });
});
afterAll(() => janitor.cleanup());

/**
 * The test's server, running and serving model v1, whatever the tests before left (or did not
 * leave): deployed, started or swapped back as needed, so each test runs alone (`-t`) or in any order.
 */
async function runningServer(): Promise<LocalModelService> {
  let current = (await deployer.findModelServer({ modelName: 'iris' }))[0] as LocalModelService | undefined;
  if (!current) current = (await deployer.deployModel(config, { timeout: 120 })) as LocalModelService;
  else if (!current.isRunning) current = (await deployer.startModelServer(current.uuid, { timeout: 120 })) as LocalModelService;
  if (current.config.modelUri !== IRIS_V1) current = (await deployer.deployModel(config, { replace: true, timeout: 120 })) as LocalModelService;
  janitor.track(current.identity);
  v1Answer ??= (await predict(current.endpoint!.predictionUrl)).probabilities;
  return current;
}

test('deploy starts a server that answers predictions, with its files in the service dir', async () => {
  service = (await deployer.deployModel(config, { timeout: 120 })) as LocalModelService;
  janitor.track(service.identity);
  expect(service.status.state).toBe('active');
  const { port, servicePath } = service.local;
  expect(servicePath).toBe(path.join(stateDir, 'services', service.uuid));
  expect(service.endpoint).toEqual({
    predictionUrl: `http://127.0.0.1:${port}/invocations`,
    healthCheckUrl: `http://127.0.0.1:${port}/v2/health/ready`,
  });
  for (const file of ['service.json', 'server-config.json', 'server.pid', 'server.log', 'runtime.json']) {
    expect(existsSync(path.join(servicePath, file))).toBe(true);
  }
  expect(statSync(path.join(servicePath, 'server-config.json')).mode & 0o777).toBe(0o600);
  const answer = await predict(service.endpoint!.predictionUrl);
  expect(answer.status).toBe(200);
  expect(answer.instance).toBe(service.local.instanceId);
  expect(answer.probabilities).toHaveLength(3);
  v1Answer = answer.probabilities;
});

test('find filters by model, pipeline, uuid prefix and running', async () => {
  service = await runningServer();
  const uuids = async (filter: object) => (await deployer.findModelServer(filter)).map((s) => s.uuid);
  expect(await uuids({ modelName: 'iris' })).toEqual([service.uuid]);
  expect(await uuids({ pipelineName: 'iris-pipeline', running: true })).toEqual([service.uuid]);
  expect(await uuids({ serviceUuid: service.uuid.slice(0, 8) })).toEqual([service.uuid]);
  expect(await uuids({ modelName: 'other' })).toEqual([]);
  // Deploying the identical config again returns the running server instead of starting another.
  expect((await deployer.deployModel(config, { timeout: 120 })).uuid).toBe(service.uuid);
});

test('info lists URLs, model, paths and pid', async () => {
  service = await runningServer();
  const info = deployer.getModelServerInfo(service);
  const base = `http://127.0.0.1:${service.local.port}`;
  expect(info).toEqual({
    PREDICTION_URL: `${base}/invocations`,
    HEALTH_CHECK_URL: `${base}/v2/health/ready`,
    V2_INFER_URL: `${base}/v2/models/iris/infer`,
    GRPC_URL: `127.0.0.1:${service.local.grpcPort}`,
    METRICS_URL: `${base}/metrics`,
    MODEL_URI: IRIS_V1,
    MODEL_NAME: 'iris',
    MODEL_VERSION: '1',
    SERVICE_PATH: service.local.servicePath,
    LOG_FILE: path.join(service.local.servicePath, 'server.log'),
    DAEMON_PID: String(service.local.pid),
  });
});

test('stop ends the process and frees the port, keeping the service', async () => {
  service = await runningServer();
  const identity = service.identity!;
  const { host, port } = service.local;
  const stopped = (await deployer.stopModelServer(service.uuid, { timeout: 60 })) as LocalModelService;
  expect(stopped.status.state).toBe('inactive');
  expect(await isAlive(identity)).toBe(false);
  expect(await isPortFree(host, port)).toBe(true);
  expect(existsSync(stopped.runtimePath)).toBe(false);
  expect((await deployer.getModelServer(service.uuid)).status.state).toBe('inactive');
  expect(deployer.getModelServerInfo(stopped).PREDICTION_URL).toBe('');
  expect(deployer.getModelServerInfo(stopped).DAEMON_PID).toBe('');
  expect(deployer.getModelServerInfo(stopped).GRPC_URL).toBe('');
});

test('start brings it back under the same uuid and port', async () => {
  service = (await deployer.stopModelServer((await runningServer()).uuid, { timeout: 60 })) as LocalModelService;
  const { port, grpcPort } = service.local;
  expect(grpcPort).toEqual(expect.any(Number));
  const started = (await deployer.startModelServer(service.uuid, { timeout: 120 })) as LocalModelService;
  janitor.track(started.identity);
  expect(started.uuid).toBe(service.uuid);
  expect(started.status.state).toBe('active');
  expect(started.local.port).toBe(port);
  expect(started.local.grpcPort).toBe(grpcPort);
  expect((await predict(started.endpoint!.predictionUrl)).probabilities).toEqual(v1Answer);
  service = started;
});

test('replace swaps in model-v2 in place: same uuid and URL, new answers, no failed request meanwhile', async () => {
  service = await runningServer();
  const url = service.endpoint!.predictionUrl;
  let running = true;
  let ok = 0;
  const failures: string[] = [];
  const client = async () => {
    while (running) {
      try {
        const answer = await predict(url);
        if (answer.status === 200) ok += 1;
        else failures.push(`HTTP ${answer.status}`);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  };
  const clients = Array.from({ length: 4 }, client);
  while (ok < 20) await sleep(10); // load is flowing before the swap
  const updated = (await deployer.deployModel(
    { ...config, modelUri: IRIS_V2, modelVersion: '2' },
    { replace: true, timeout: 120 },
  )) as LocalModelService;
  const okAtSwap = ok;
  while (ok < okAtSwap + 20) await sleep(10); // and after it
  running = false;
  await Promise.all(clients);

  expect(failures).toEqual([]);
  expect(updated.uuid).toBe(service.uuid);
  expect(updated.endpoint!.predictionUrl).toBe(url);
  expect(updated.local.pid).toBe(service.local.pid);
  const after = await predict(url);
  expect(after.probabilities).not.toEqual(v1Answer);
  const stored = await readService(stateDir, service.uuid);
  expect(stored.config.modelUri).toBe(IRIS_V2);
  expect(stored.config.modelVersion).toBe('2');
  service = updated;
});

test('a model that fails to load is refused (422): old model keeps serving, record unchanged', async () => {
  service = await runningServer();
  const broken = path.join(stateDir, 'broken.onnx');
  writeFileSync(broken, 'this is not an onnx model');
  const before = (await readService(stateDir, service.uuid)).toJSON();
  const v2Answer = (await predict(service.endpoint!.predictionUrl)).probabilities;
  const error = await deployer
    .deployModel({ ...config, modelUri: broken, modelVersion: '3' }, { replace: true, timeout: 120 })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ServerError);
  expect((error as Error).message).toMatch(/HTTP 422/);
  expect((await predict(service.endpoint!.predictionUrl)).probabilities).toEqual(v2Answer);
  expect((await readService(stateDir, service.uuid)).toJSON()).toEqual(before);
});

test('a crash (kill -9) shows as error with the last log lines; start recovers', async () => {
  service = await runningServer();
  const identity = service.identity!;
  process.kill(identity.pid, 'SIGKILL');
  await waitFor(async () => !(await isAlive(identity)), { message: `process ${identity.pid} still alive after SIGKILL` });
  const [crashed] = await deployer.findModelServer({ serviceUuid: service.uuid });
  expect(crashed.status.state).toBe('error');
  expect(crashed.status.lastError).toContain(`process ${identity.pid} exited unexpectedly`);
  expect(crashed.status.lastError).toContain('[zenml]'); // a quoted log line
  expect((await readService(stateDir, service.uuid)).status.state).toBe('error'); // persisted

  const recovered = (await deployer.startModelServer(service.uuid, { timeout: 120 })) as LocalModelService;
  janitor.track(recovered.identity);
  expect(recovered.status.state).toBe('active');
  expect((await predict(recovered.endpoint!.predictionUrl)).status).toBe(200);
  service = recovered;
});

test('logs: the last lines, then followed lines until aborted', async () => {
  service = await runningServer();
  const tail: string[] = [];
  for await (const line of deployer.getModelServerLogs(service.uuid, { tail: 3 })) tail.push(line);
  expect(tail).toHaveLength(3);

  const controller = new AbortController();
  const followed: string[] = [];
  const following = (async () => {
    for await (const line of deployer.getModelServerLogs(service.uuid, { tail: 0, follow: true, signal: controller.signal })) {
      followed.push(line);
      if (line.includes('shutting down')) controller.abort();
    }
  })();
  await deployer.stopModelServer(service.uuid, { timeout: 60 });
  await following;
  expect(followed.some((l) => l.includes('shutting down'))).toBe(true);
});

test('delete removes the service for good', async () => {
  service = await runningServer();
  await deployer.startModelServer(service.uuid, { timeout: 120 }).then((s) => janitor.track((s as LocalModelService).identity));
  const identity = (await deployer.getModelServer(service.uuid) as LocalModelService).identity!;
  await deployer.deleteModelServer(service.uuid, { timeout: 60 });
  expect(existsSync(service.local.servicePath)).toBe(false);
  expect(await isAlive(identity)).toBe(false);
  await expect(deployer.getModelServer(service.uuid)).rejects.toBeInstanceOf(NotFoundError);
  expect(await deployer.listModelServers()).toEqual([]);
});
