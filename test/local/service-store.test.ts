// The service store: records one directory each, atomic locked writes, corrupt records skipped with a warning.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BaseService } from '../../src/services/base-service.js';
import { mapConcurrent } from '../../src/services/map-concurrent.js';
import {
  deleteServiceDir,
  listServices,
  readService,
  saveService,
  serviceDirPath,
  serviceFilePath,
  updateService,
} from '../../src/services/service-store.js';
import { NotFoundError, UsageError } from '../../src/errors.js';

let stateDir: string;

beforeEach(() => {
  stateDir = mkdtempSync(path.join(tmpdir(), 'zenml-store-'));
});
afterEach(() => {
  rmSync(stateDir, { recursive: true, force: true });
});

function makeService(uuid: string, extra: Record<string, unknown> = {}): BaseService {
  return new BaseService({ uuid, flavor: 'test', config: { modelName: 'iris', modelUri: '/m.onnx' }, extra });
}

function uuidOf(i: number): string {
  return `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
}

test('save then read round-trips the record at <stateDir>/services/<uuid>/service.json', async () => {
  const service = makeService(uuidOf(1), { port: 1234 });
  await saveService(stateDir, service);
  const file = path.join(stateDir, 'services', uuidOf(1), 'service.json');
  expect(serviceFilePath(stateDir, uuidOf(1))).toBe(file);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(service.toJSON());
  const back = await readService(stateDir, uuidOf(1));
  expect(back.toJSON()).toEqual(service.toJSON());
  // Only the record: no temp file or lock left behind.
  expect(readdirSync(path.dirname(file))).toEqual(['service.json']);
});

test('readers never see a partial record while it is rewritten', async () => {
  const uuid = uuidOf(2);
  await saveService(stateDir, makeService(uuid, { blob: 'x'.repeat(200_000), n: 0 }));
  const file = serviceFilePath(stateDir, uuid);
  let writing = true;
  let reads = 0;
  const reader = (async () => {
    while (writing) {
      JSON.parse(readFileSync(file, 'utf8')); // throws on a torn write
      reads += 1;
      await new Promise((r) => setImmediate(r));
    }
  })();
  for (let n = 1; n <= 30; n++) await saveService(stateDir, makeService(uuid, { blob: String(n).repeat(200_000), n }));
  writing = false;
  await reader;
  expect(reads).toBeGreaterThan(0);
  expect((await readService(stateDir, uuid)).extra.n).toBe(30);
});

test('concurrent read-modify-write updates are serialized by the lock: none is lost', async () => {
  const uuid = uuidOf(3);
  await saveService(stateDir, makeService(uuid, { count: 0 }));
  await Promise.all(
    Array.from({ length: 20 }, () =>
      updateService(stateDir, uuid, (current) => {
        current.extra = { count: (current.extra.count as number) + 1 };
        return current;
      }),
    ),
  );
  expect((await readService(stateDir, uuid)).extra.count).toBe(20);
});

test('a corrupt record is reported by file name, skipped, and never deleted', async () => {
  await saveService(stateDir, makeService(uuidOf(4)));
  const badJson = serviceFilePath(stateDir, uuidOf(5));
  mkdirSync(path.dirname(badJson), { recursive: true });
  writeFileSync(badJson, '{"type": "local-model-se');
  const badShape = serviceFilePath(stateDir, uuidOf(6));
  mkdirSync(path.dirname(badShape), { recursive: true });
  writeFileSync(badShape, JSON.stringify({ type: 'x', uuid: uuidOf(6) }));
  mkdirSync(serviceDirPath(stateDir, uuidOf(7)), { recursive: true }); // a deploy in progress: no record yet

  const warnings: string[] = [];
  const services = await listServices(stateDir, { warn: (m) => warnings.push(m) });
  expect(services.map((s) => s.uuid)).toEqual([uuidOf(4)]);
  expect(warnings).toHaveLength(2);
  expect(warnings.find((w) => w.startsWith(badJson))).toMatch(/not JSON/);
  expect(warnings.find((w) => w.startsWith(badShape))).toMatch(/flavor/);
  expect(existsSync(badJson) && existsSync(badShape)).toBe(true);
  await expect(readService(stateDir, uuidOf(5))).rejects.toThrow(badJson);
});

test('a missing store lists nothing; a missing record is NotFound; a path-like uuid is refused', async () => {
  expect(await listServices(path.join(stateDir, 'nowhere'))).toEqual([]);
  await expect(readService(stateDir, uuidOf(8))).rejects.toBeInstanceOf(NotFoundError);
  expect(() => serviceDirPath(stateDir, '../../etc')).toThrow(UsageError);
});

test('delete removes the directory and everything in it', async () => {
  await saveService(stateDir, makeService(uuidOf(9)));
  writeFileSync(path.join(serviceDirPath(stateDir, uuidOf(9)), 'server.log'), 'log\n');
  await deleteServiceDir(stateDir, uuidOf(9));
  expect(existsSync(serviceDirPath(stateDir, uuidOf(9)))).toBe(false);
  expect(await listServices(stateDir)).toEqual([]);
  await deleteServiceDir(stateDir, uuidOf(9)); // already gone: fine
});

test('lists 10,000 services', async () => {
  const n = 10_000;
  const created = new Date(Date.UTC(2026, 0, 1)).getTime();
  await mapConcurrent(Array.from({ length: n }, (_, i) => i), 64, async (i) => {
    const service = new BaseService({
      uuid: uuidOf(i),
      flavor: 'test',
      config: { modelName: `m${i % 10}` },
      createdAt: new Date(created + i * 1000).toISOString(),
    });
    const file = serviceFilePath(stateDir, service.uuid);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(service.toJSON()));
  });
  const warnings: string[] = [];
  const services = await listServices(stateDir, { warn: (m) => warnings.push(m) });
  expect(warnings).toEqual([]);
  expect(services).toHaveLength(n);
  expect(services[0].uuid).toBe(uuidOf(0));
  expect(services[n - 1].uuid).toBe(uuidOf(n - 1));
  expect(services.filter((s) => s.config.modelName === 'm3')).toHaveLength(n / 10);
});
