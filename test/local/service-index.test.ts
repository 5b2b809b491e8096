// The service index (services.index.json + services.changes markers): built, trusted, kept honest by writers, and rebuilt.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BaseService, type ServiceJSON } from '../../src/services/base-service.js';
import { ServiceState } from '../../src/services/service-status.js';
import { deleteServiceDir, listServices, saveService, serviceFilePath, updateService } from '../../src/services/service-store.js';
import { readIndex, readIndexHeader } from '../../src/services/service-index.js';

let stateDir: string;

beforeEach(() => {
  stateDir = mkdtempSync(path.join(tmpdir(), 'zenml-index-'));
});
afterEach(() => {
  rmSync(stateDir, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 0, 1);

function uuidOf(i: number): string {
  return `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
}

/** Service i, created i seconds after T0 unless `createdSecond` says otherwise. */
function makeService(i: number, extra: Record<string, unknown> = {}, createdSecond = i): BaseService {
  return new BaseService({
    uuid: uuidOf(i),
    flavor: 'test',
    config: { modelName: 'iris', modelUri: '/m.onnx' },
    createdAt: new Date(T0 + createdSecond * 1000).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    status: { state: ServiceState.INACTIVE, lastError: '', lastStateChange: new Date(T0).toISOString() },
    extra,
  });
}

const indexFile = (): string => path.join(stateDir, 'services.index.json');
const changes = (): string => path.join(stateDir, 'services.changes');
const recordLock = (i: number): string => `${serviceFilePath(stateDir, uuidOf(i))}.lock`;
const json = (services: BaseService[]): ServiceJSON[] => services.map((s) => s.toJSON());
// The clock is injected (see dirStamp: the services directory's stamp counts only once it is 2 s old).
// By default a listing runs at a time when the directory has not settled, so every directory is
// listed; the tests of the settled path run "3 s later". No test waits, or depends on how fast the
// machine is.
const freshClock = () => 0;
const settledClock = () => Date.now() + 3000;
const list = async (now: () => number = freshClock): Promise<ServiceJSON[]> => json(await listServices(stateDir, { now }));

function markers(): string[] {
  return existsSync(changes()) ? readdirSync(changes()).sort() : [];
}

// The index format as the store writes it today: a `{"format":2}` line, then one
// `<uuid>\t<createdAt>\t<record JSON>` line per record, oldest first. Only these two helpers know it.
function readIndexFile(): { format: number; records: ServiceJSON[] } {
  const [header, ...lines] = readFileSync(indexFile(), 'utf8').split('\n');
  const records = lines.filter(Boolean).map((line) => {
    const [uuid, createdAt, ...rest] = line.split('\t');
    const record = JSON.parse(rest.join('\t')) as ServiceJSON;
    expect([uuid, createdAt]).toEqual([record.uuid, record.createdAt]);
    return record;
  });
  return { format: (JSON.parse(header) as { format: number }).format, records };
}

function writeIndexFile(records: ServiceJSON[], format = 2): void {
  const lines = records.map((r) => `${r.uuid}\t${r.createdAt}\t${JSON.stringify(r)}\n`);
  writeFileSync(indexFile(), `${JSON.stringify({ format })}\n${lines.join('')}`);
}

function writeRecordByHand(service: BaseService): void {
  const file = serviceFilePath(stateDir, service.uuid);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(service.toJSON()));
}

/** Save services 1..n through the API and list once, so the index exists and no marker is left. */
async function indexed(n: number): Promise<BaseService[]> {
  const services = Array.from({ length: n }, (_, k) => makeService(k + 1));
  for (const s of services) await saveService(stateDir, s);
  expect(markers()).toHaveLength(n); // every write left its marker
  expect(await list()).toEqual(json(services));
  expect(markers()).toEqual([]);
  return services;
}

test('the first listing builds the index from the records, oldest first, and removes the markers', async () => {
  const services = [makeService(3), makeService(1), makeService(2)];
  for (const s of services) await saveService(stateDir, s);
  expect(existsSync(indexFile())).toBe(false);
  expect(markers()).toHaveLength(3);
  const expected = json([services[1], services[2], services[0]]);
  expect(await list()).toEqual(expected);
  expect(readIndexFile()).toEqual({ format: 2, records: expected });
  expect(markers()).toEqual([]);
});

test('a listing with nothing marked is served from the index, not from the files', async () => {
  const services = await indexed(2);
  const index = readIndexFile();
  index.records[1].extra = { fromIndex: true };
  writeIndexFile(index.records);
  expect(await list()).toEqual([services[0].toJSON(), { ...services[1].toJSON(), extra: { fromIndex: true } }]);
  // Deliberately, a service.json edited by hand (no marker) is not noticed: the index copy wins.
  writeRecordByHand(makeService(1, { handEdited: true }));
  expect((await list())[0].extra).toEqual({});
});

test('a write through the API is seen by the next listing, which folds it into the index and drops the marker', async () => {
  await indexed(2);
  await saveService(stateDir, makeService(1, { saved: 1 }));
  await updateService(stateDir, uuidOf(2), (s) => Object.assign(s, { extra: { updated: 2 } }));
  expect(markers()).toHaveLength(2);
  const expected = json([makeService(1, { saved: 1 }), makeService(2, { updated: 2 })]);
  expect(await list()).toEqual(expected);
  expect(readIndexFile().records).toEqual(expected);
  expect(markers()).toEqual([]);
});

test('a marker left by a writer that died after writing makes the listing read the file, then is removed', async () => {
  await indexed(2);
  mkdirSync(changes(), { recursive: true });
  writeFileSync(path.join(changes(), `${uuidOf(2)}.99999-deadbeef`), '');
  writeRecordByHand(makeService(2, { crashed: 'after write' }));
  const expected = json([makeService(1), makeService(2, { crashed: 'after write' })]);
  expect(await list()).toEqual(expected);
  expect(markers()).toEqual([]);
  expect(readIndexFile().records).toEqual(expected);
});

test('a marker whose record lock is still held is kept until the lock is gone', async () => {
  await indexed(2);
  await saveService(stateDir, makeService(2, { v: 2 }));
  mkdirSync(recordLock(2)); // a writer in flight, or one that died holding the lock
  const expected = json([makeService(1), makeService(2, { v: 2 })]);
  expect(await list()).toEqual(expected);
  expect(markers()).toEqual([expect.stringMatching(new RegExp(`^${uuidOf(2)}\\.`))]);
  writeRecordByHand(makeService(2, { v: 3 })); // still marked: the file keeps being read
  expect((await list())[1].extra).toEqual({ v: 3 });
  expect(markers()).toHaveLength(1);
  rmSync(recordLock(2), { recursive: true });
  expect((await list())[1].extra).toEqual({ v: 3 });
  expect(markers()).toEqual([]);
  expect(readIndexFile().records[1].extra).toEqual({ v: 3 });
});

test('directories removed or copied in by hand are dropped from / added to the listing and the index', async () => {
  const services = await indexed(3);
  rmSync(path.dirname(serviceFilePath(stateDir, uuidOf(2))), { recursive: true });
  expect(await list()).toEqual(json([services[0], services[2]]));
  expect(readIndexFile().records.map((r) => r.uuid)).toEqual([uuidOf(1), uuidOf(3)]);

  writeRecordByHand(makeService(4, { copied: true }));
  expect(markers()).toEqual([]);
  const expected = json([services[0], services[2], makeService(4, { copied: true })]);
  expect(await list()).toEqual(expected);
  expect(readIndexFile().records).toEqual(expected);
});

test('deleteServiceDir after indexing: gone from the next listing and from the index', async () => {
  const services = await indexed(3);
  await deleteServiceDir(stateDir, uuidOf(2));
  expect(markers()).toHaveLength(1);
  expect(await list()).toEqual(json([services[0], services[2]]));
  expect(readIndexFile().records).toEqual(json([services[0], services[2]]));
  expect(markers()).toEqual([]);
});

test.each([
  ['corrupt', (): void => writeFileSync(indexFile(), '\u0000\u00ff{"format":1,"rec')],
  ['torn after a good header', (): void => writeFileSync(indexFile(), `{"format":2}\n${uuidOf(1)}\t2026\t{"type":"ba`)],
  ['of another format (same header length)', (): void => writeIndexFile([makeService(1, { stale: true }).toJSON()], 3)],
  ['of the old JSON format 1', (): void => writeFileSync(indexFile(), JSON.stringify({ format: 1, records: [makeService(1, { stale: true }).toJSON()] }))],
  ['missing', (): void => rmSync(indexFile())],
])('an index that is %s gives the listing of the files and is replaced by a good one', async (_, spoil) => {
  const services = await indexed(2);
  spoil();
  expect(await list()).toEqual(json(services));
  expect(readIndexFile()).toEqual({ format: 2, records: json(services) });
});

test('a corrupt record is warned about on every listing, never deleted, and never indexed', async () => {
  const services = await indexed(1);
  const bad = serviceFilePath(stateDir, uuidOf(2));
  mkdirSync(path.dirname(bad), { recursive: true });
  writeFileSync(bad, '{"type": "base", "uu');
  for (let round = 0; round < 2; round++) {
    const warnings: string[] = [];
    const listed = await listServices(stateDir, { warn: (m) => warnings.push(m), now: freshClock });
    expect(json(listed)).toEqual(json(services));
    expect(warnings).toEqual([expect.stringMatching(/not JSON/)]);
    expect(warnings[0].startsWith(bad)).toBe(true);
    expect(readFileSync(bad, 'utf8')).toBe('{"type": "base", "uu');
    expect(readIndexFile().records.map((r) => r.uuid)).toEqual([uuidOf(1)]);
  }
});

test('while another process holds the index lock, listing is right and leaves the index and markers alone', async () => {
  await indexed(2);
  await saveService(stateDir, makeService(2, { v: 2 }));
  await saveService(stateDir, makeService(3));
  const before = readFileSync(indexFile());
  const markersBefore = markers();
  expect(markersBefore).toHaveLength(2);
  mkdirSync(`${indexFile()}.lock`);
  const expected = json([makeService(1), makeService(2, { v: 2 }), makeService(3)]);
  expect(await list()).toEqual(expected);
  expect(await list()).toEqual(expected);
  expect(readFileSync(indexFile()).equals(before)).toBe(true);
  expect(markers()).toEqual(markersBefore);
  rmSync(`${indexFile()}.lock`, { recursive: true });
  expect(await list()).toEqual(expected);
  expect(readIndexFile().records).toEqual(expected);
  expect(markers()).toEqual([]);
});

test('20 concurrent updates interleaved with 20 listings: none is lost, no marker is left', async () => {
  await indexed(1);
  await saveService(stateDir, makeService(2, { count: 0 }));
  await list();
  const increment = (): Promise<BaseService> =>
    updateService(stateDir, uuidOf(2), (s) => Object.assign(s, { extra: { count: (s.extra.count as number) + 1 } }));
  const seen: number[] = [];
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      await Promise.all([increment(), list().then((l) => seen.push(l[1].extra.count as number))]);
    }),
  );
  expect(seen.every((c) => c >= 0 && c <= 20)).toBe(true);
  expect((await list())[1].extra).toEqual({ count: 20 });
  expect(await list()).toEqual(json([makeService(1), makeService(2, { count: 20 })]));
  expect(markers()).toEqual([]);
  expect(readIndexFile().records[1].extra).toEqual({ count: 20 });
});

test('records come back oldest first, not in uuid order, from the files and from the index', async () => {
  const services = [makeService(1, {}, 30), makeService(2, {}, 10), makeService(3, {}, 20)];
  for (const s of services) writeRecordByHand(s); // no markers, no index: all from the files
  const expected = json([services[1], services[2], services[0]]);
  expect(await list()).toEqual(expected);
  expect(readIndexFile().records).toEqual(expected);
  const indexBytes = readFileSync(indexFile());
  expect(await list()).toEqual(expected); // served from the index, which is not rewritten
  expect(readFileSync(indexFile()).equals(indexBytes)).toBe(true);
  // A new, older record read from its file merges into the indexed ones in order.
  await saveService(stateDir, makeService(4, {}, 0));
  const merged = [makeService(4, {}, 0).toJSON(), ...expected];
  expect(await list()).toEqual(merged);
  expect(readIndexFile().records).toEqual(merged);
});

function withConfig(i: number, config: Record<string, string>): BaseService {
  const s = makeService(i);
  s.config = { ...s.config, ...config };
  return s;
}

test('a filtered listing (where + needle) returns only the matches, and its compaction keeps every record', async () => {
  for (let i = 1; i <= 6; i++) await saveService(stateDir, withConfig(i, { pipelineStepName: `step-${i % 3}` }));
  await list(); // builds the index
  await saveService(stateDir, withConfig(7, { pipelineStepName: 'step-1' })); // a marker: the next listing compacts
  const needles = [`"pipelineStepName":${JSON.stringify('step-1')}`, '"modelName":"iris"'];
  const where = (r: ServiceJSON) => r.config.pipelineStepName === 'step-1';
  const found = json(await listServices(stateDir, { where, needles, now: freshClock }));
  expect(found.map((r) => r.uuid)).toEqual([uuidOf(1), uuidOf(4), uuidOf(7)]);
  // The compaction ran during a read that parsed only the matching lines: the others are copied, not lost.
  expect(markers()).toEqual([]);
  expect(readIndexFile().records.map((r) => r.uuid)).toEqual([1, 2, 3, 4, 5, 6, 7].map(uuidOf));
  expect(await list()).toEqual(json([1, 2, 3, 4, 5, 6, 7].map((i) => withConfig(i, { pipelineStepName: `step-${i % 3}` }))));
});

test('a needle is only a shortcut: records it matches by accident are still tested by where', async () => {
  const decoy = withConfig(1, { pipelineStepName: 'a' });
  decoy.extra = { previous: { pipelineStepName: 'b' } }; // its JSON contains the needle too
  await saveService(stateDir, decoy);
  await saveService(stateDir, withConfig(2, { pipelineStepName: 'b' }));
  await list();
  const found = await listServices(stateDir, { where: (r) => r.config.pipelineStepName === 'b', needles: ['"pipelineStepName":"b"'], now: freshClock });
  expect(found.map((s) => s.uuid)).toEqual([uuidOf(2)]);
  // A second needle a matching record lacks rules it out before parsing: where is never asked.
  const asked: string[] = [];
  const none = await listServices(stateDir, {
    where: (r) => (asked.push(r.uuid), true),
    needles: ['"pipelineStepName":"b"', '"modelName":"no-such-model"'],
    now: freshClock,
  });
  expect([none, asked]).toEqual([[], []]);
});

test('compaction gives up when the index was replaced since it was read (another reader compacted first)', async () => {
  const { compactIndex, readIndex, indexEntryOf } = await import('../../src/services/service-index.js');
  await saveService(stateDir, makeService(1));
  await list();
  const seen = readIndex(stateDir);
  await saveService(stateDir, makeService(2));
  await list(); // another reader folds service 2 in: the index file is replaced
  const before = readFileSync(indexFile());
  mkdirSync(changes(), { recursive: true });
  writeFileSync(path.join(changes(), `${uuidOf(1)}.late`), '');
  await compactIndex(stateDir, seen.stamp, { dirs: null, unreadable: [] }, [indexEntryOf(makeService(1).toJSON())], [`${uuidOf(1)}.late`]);
  expect(readFileSync(indexFile())).toEqual(before); // not rolled back to the older view
  expect(markers()).toEqual([`${uuidOf(1)}.late`]);
  await compactIndex(stateDir, readIndex(stateDir).stamp, { dirs: null, unreadable: [] }, [1, 2].map((i) => indexEntryOf(makeService(i).toJSON())), [`${uuidOf(1)}.late`]);
  expect(markers()).toEqual([]);
});

const header = (): { dirs: string | null; unreadable: string[] } => JSON.parse(readFileSync(indexFile(), 'utf8').split('\n')[0]);

test('once the services directory is settled, the index records its stamp and listing trusts the index for which directories exist', async () => {
  for (let i = 1; i <= 3; i++) await saveService(stateDir, makeService(i));
  await list();
  expect(header().dirs).toBeNull(); // just created: too fresh to trust
  expect(await list(settledClock)).toEqual(json([1, 2, 3].map((i) => makeService(i))));
  expect(header().dirs).toEqual(expect.any(String));
  // Proof that the directories are not listed: drop service 2 from the index by hand, keep the header.
  const [head, ...lines] = readFileSync(indexFile(), 'utf8').split('\n');
  writeFileSync(indexFile(), [head, ...lines.filter((l) => !l.startsWith(uuidOf(2)))].join('\n'));
  expect((await list(settledClock)).map((r) => r.uuid)).toEqual([uuidOf(1), uuidOf(3)]);
  // A directory added (or removed) changes the stamp: everything is listed and compared again.
  await saveService(stateDir, makeService(4));
  expect((await list(settledClock)).map((r) => r.uuid)).toEqual([1, 2, 3, 4].map(uuidOf));
});

test('with a trusted stamp, marked records, corrupt records and removed directories are still handled', async () => {
  for (let i = 1; i <= 3; i++) await saveService(stateDir, makeService(i));
  const corrupt = path.join(stateDir, 'services', uuidOf(9));
  mkdirSync(corrupt);
  writeFileSync(path.join(corrupt, 'service.json'), '{ not json');
  const warnings: string[] = [];
  await listServices(stateDir, { warn: (m) => warnings.push(m), now: settledClock });
  expect(header()).toEqual({ format: 2, dirs: expect.any(String), unreadable: [uuidOf(9)] });
  // An update leaves a marker; the services directory itself does not change.
  await updateService(stateDir, uuidOf(2), (s) => ((s.extra = { updated: true }), s));
  const stampBefore = header().dirs;
  const seen = await listServices(stateDir, { warn: (m) => warnings.push(m), now: settledClock });
  expect(seen.find((s) => s.uuid === uuidOf(2))?.extra).toEqual({ updated: true });
  expect(header().dirs).toBe(stampBefore); // served without listing the directories
  expect(warnings.filter((w) => w.includes(uuidOf(9)))).toHaveLength(2); // warned on both listings
  rmSync(path.join(stateDir, 'services', uuidOf(3)), { recursive: true });
  expect((await list(settledClock)).map((r) => r.uuid)).toEqual([uuidOf(1), uuidOf(2)]);
});

test('readIndexHeader reads the header alone: the same as readIndex gives, the empty header when there is no index of ours', async () => {
  expect(readIndexHeader(stateDir)).toEqual({ format: 2, dirs: null, unreadable: [] });
  for (let i = 1; i <= 3; i += 1) await saveService(stateDir, makeService(i, { big: 'x'.repeat(20_000) }));
  mkdirSync(path.join(stateDir, 'services', 'no-record'), { recursive: true });
  await listServices(stateDir);
  const full = readIndex(stateDir).header;
  expect(full.unreadable).toEqual(['no-record']);
  expect(readIndexHeader(stateDir)).toEqual(full);
  // A header longer than one read (16 KiB) is read whole.
  const many = Array.from({ length: 2_000 }, (_, i) => `dir-${i}`);
  writeFileSync(indexFile(), `${JSON.stringify({ format: 2, dirs: 'd', unreadable: many })}\n`);
  expect(readIndexHeader(stateDir)).toEqual({ format: 2, dirs: 'd', unreadable: many });
  expect(readIndex(stateDir).header).toEqual(readIndexHeader(stateDir));
  writeFileSync(indexFile(), '{"format": 1, "unreadable": ["x"]}\n');
  expect(readIndexHeader(stateDir)).toEqual({ format: 2, dirs: null, unreadable: [] });
  writeFileSync(indexFile(), '{"format": 2, "unreadable": ["x"]');
  expect(readIndexHeader(stateDir)).toEqual({ format: 2, dirs: null, unreadable: [] });
});
