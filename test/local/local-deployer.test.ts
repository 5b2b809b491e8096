// The local flavor's edges: isolation between state dirs, timeout 0, bad models, servers that never get ready or
// crash while starting, and a recorded pid that now belongs to another process.
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitForServiceState } from '../../src/deployers/wait-for-state.js';
import { LocalModelDeployer, type LocalModelService } from '../../src/integrations/local/index.js';
import { isAlive } from '../../src/services/daemon.js';
import { serviceFilePath } from '../../src/services/service-store.js';
import { ServerError, TimeoutError, UsageError } from '../../src/errors.js';
import { IRIS_V1, Janitor, makeDeployer, predict, requireBuiltServer } from './local-helpers.js';

const janitor = new Janitor();
beforeAll(requireBuiltServer);
afterEach(() => janitor.cleanup());

/** A "node" that ignores the server script: prints `output`, then runs `then` (sleeps or exits). */
function fakeNode(dir: string, output: string, then: string): string {
  const file = path.join(dir, 'fake-node.sh');
  writeFileSync(file, `#!/bin/sh\necho "${output}"\n${then}\n`);
  chmodSync(file, 0o755);
  return file;
}

test('the settings schema fills in every default', () => {
  expect(LocalModelDeployer.configSchema.parse({})).toEqual({
    host: '127.0.0.1',
    port: 0,
    grpcPort: 0,
    workers: 1,
    maxBodyBytes: 10 * 1024 * 1024,
    batching: { enabled: true, maxBatchSize: 1024, maxWaitMs: 2 },
  });
  expect(LocalModelDeployer.FLAVOR).toBe('local');
  expect(LocalModelDeployer.INTEGRATION).toBe('built-in');
});

test('timeout 0 returns pending_startup at once; find reports active once the server is up', async () => {
  const stateDir = janitor.tempDir();
  const deployer = makeDeployer(stateDir);
  const service = (await deployer.deployModel({ modelName: 'iris', modelUri: IRIS_V1 }, { timeout: 0 })) as LocalModelService;
  janitor.track(service.identity);
  expect(service.status.state).toBe('pending_startup');
  const active = await waitForServiceState(deployer, service, ['active'], 120);
  expect(active.uuid).toBe(service.uuid);
  expect((await predict(active.endpoint!.predictionUrl)).status).toBe(200);
});

test('two deployers with different state dirs do not see each other’s services', async () => {
  const a = makeDeployer(janitor.tempDir());
  const b = makeDeployer(janitor.tempDir());
  const sa = (await a.deployModel({ modelName: 'a', modelUri: IRIS_V1 }, { timeout: 0 })) as LocalModelService;
  janitor.track(sa.identity);
  const sb = (await b.deployModel({ modelName: 'b', modelUri: IRIS_V1 }, { timeout: 0 })) as LocalModelService;
  janitor.track(sb.identity);
  expect((await a.listModelServers()).map((s) => s.uuid)).toEqual([sa.uuid]);
  expect((await b.listModelServers()).map((s) => s.uuid)).toEqual([sb.uuid]);
  await a.deleteModelServer(sa.uuid, { timeout: 60 });
  expect((await b.listModelServers()).map((s) => s.uuid)).toEqual([sb.uuid]);
});

test('concurrent deploys of the same model start one server (the deploy lock)', async () => {
  const stateDir = janitor.tempDir();
  const config = { pipelineName: 'p', pipelineStepName: 's', modelName: 'iris', modelUri: IRIS_V1 };
  const results = await Promise.all(
    [makeDeployer(stateDir), makeDeployer(stateDir), makeDeployer(stateDir)].map((d) => d.deployModel(config, { timeout: 120 })),
  );
  results.forEach((s) => janitor.track((s as LocalModelService).identity));
  expect(new Set(results.map((s) => s.uuid)).size).toBe(1);
  expect(await makeDeployer(stateDir).listModelServers()).toHaveLength(1);
});

test('a missing or non-ONNX model is a UsageError naming the path, and nothing is created', async () => {
  const stateDir = janitor.tempDir();
  const deployer = makeDeployer(stateDir);
  const missing = path.join(stateDir, 'nope.onnx');
  await expect(deployer.deployModel({ modelUri: missing })).rejects.toThrow(new UsageError(`${missing}: model file does not exist`));
  const csv = path.resolve('examples/iris/iris.csv');
  await expect(deployer.deployModel({ modelUri: 'examples/iris/iris.csv' })).rejects.toThrow(csv);
  await expect(deployer.deployModel({ modelUri: 'examples/iris/iris.csv' })).rejects.toBeInstanceOf(UsageError);
  expect(existsSync(path.join(stateDir, 'services')) ? readdirSync(path.join(stateDir, 'services')) : []).toEqual([]);
});

test('a relative modelUri resolves against the working directory', async () => {
  const deployer = makeDeployer(janitor.tempDir());
  const service = (await deployer.deployModel({ modelUri: 'examples/iris/model.onnx' }, { timeout: 120 })) as LocalModelService;
  janitor.track(service.identity);
  expect(deployer.getModelServerInfo(service).MODEL_URI).toBe(path.resolve('examples/iris/model.onnx'));
  expect(deployer.getModelServerInfo(service).MODEL_NAME).toBe('model');
  await deployer.deleteModelServer(service.uuid, { timeout: 60 });
});

test('a server that never gets ready: TimeoutError with its log lines, process stopped, no service left', async () => {
  const stateDir = janitor.tempDir();
  const nodePath = fakeNode(stateDir, 'fake server warming up forever', 'exec sleep 600');
  const deployer = makeDeployer(stateDir, { nodePath });
  const error = await deployer.deployModel({ modelUri: IRIS_V1 }, { timeout: 1 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TimeoutError);
  expect((error as Error).message).toContain('fake server warming up forever');
  expect(readdirSync(path.join(stateDir, 'services'))).toEqual([]);
  expect(await deployer.listModelServers()).toEqual([]);
});

test('a server that crashes while starting: ServerError with its log lines, right away', async () => {
  const stateDir = janitor.tempDir();
  const nodePath = fakeNode(stateDir, 'cannot load model: out of cheese', 'exit 1');
  const deployer = makeDeployer(stateDir, { nodePath });
  const error = await deployer.deployModel({ modelUri: IRIS_V1 }, { timeout: 300 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ServerError);
  expect((error as Error).message).toContain('out of cheese');
  expect(await deployer.listModelServers()).toEqual([]);
});

test('a recorded pid with another start time is reported dead and never signalled', async () => {
  const stateDir = janitor.tempDir();
  const deployer = makeDeployer(stateDir);
  const service = (await deployer.deployModel({ modelUri: IRIS_V1 }, { timeout: 120 })) as LocalModelService;
  const real = service.identity!;
  janitor.track(real);
  // Pretend the pid was recycled: the record now names a process that started at another time.
  const file = serviceFilePath(stateDir, service.uuid);
  const json = JSON.parse(readFileSync(file, 'utf8'));
  json.extra.processStartTime = '1';
  writeFileSync(file, JSON.stringify(json));

  const [seen] = await deployer.listModelServers();
  expect(seen.status.state).toBe('error');
  await deployer.stopModelServer(service.uuid, { timeout: 5, force: true });
  await deployer.deleteModelServer(service.uuid, { timeout: 5, force: true });
  expect(await isAlive(real)).toBe(true); // the "other" process was left alone
  expect((await predict(service.endpoint!.predictionUrl)).status).toBe(200);
});
