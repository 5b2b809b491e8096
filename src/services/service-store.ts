/**
 * Services persisted one directory each: `<stateDir>/services/<uuid>/service.json`. The directory
 * also holds whatever the flavor keeps beside the record (logs, pid files, server config). The state
 * dir, `services/` and each service dir are 0700 and records 0600, tightened on every save.
 * Listing goes through the index (service-index.ts), which every write here keeps honest.
 */
import { existsSync, readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { writeAtomic } from '../fs/atomic-write.js';
import { tryWithFileLock, withFileLock } from '../fs/file-lock.js';
import { NotFoundError, UsageError, ZenmlError } from '../errors.js';
import type { BaseService, ServiceJSON } from './base-service.js';
import { ensurePrivateDirs, PRIVATE_FILE_MODE } from './private-dir.js';
import { compactIndex, dirStamp, indexEntryOf, markChanged, readChangeMarkers, readIndex, readIndexHeader, recordLockFree, type IndexEntry } from './service-index.js';
import { serviceFromJSON, serviceFromTrustedJSON } from './service-registry.js';

/** The record's file name inside a service directory. */
export const SERVICE_FILE = 'service.json';

// A uuid becomes a directory name: never let one climb out of the store.
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** `<stateDir>/services`. */
export function servicesRoot(stateDir: string): string {
  return path.join(stateDir, 'services');
}

/** `<stateDir>/services/<uuid>`; rejects ids that are not plain names. */
export function serviceDirPath(stateDir: string, uuid: string): string {
  if (!SAFE_ID.test(uuid)) throw new UsageError(`'${uuid}' is not a valid service uuid`);
  return path.join(servicesRoot(stateDir), uuid);
}

/** `<stateDir>/services/<uuid>/service.json`. */
export function serviceFilePath(stateDir: string, uuid: string): string {
  return path.join(serviceDirPath(stateDir, uuid), SERVICE_FILE);
}

/** Write the service's record atomically, under its lock (creates the directory). */
export async function saveService(stateDir: string, service: BaseService): Promise<void> {
  const file = serviceFilePath(stateDir, service.uuid);
  await ensurePrivateDirs(stateDir, servicesRoot(stateDir), path.dirname(file));
  await withFileLock(file, async () => {
    await markChanged(stateDir, service.uuid);
    await writeRecord(file, service);
  });
}

/**
 * Read-modify-write one record under its lock, so concurrent CLI runs never lose each other's
 * changes. `mutate` returns the service to save, or undefined to leave the file as it is.
 * Resolves with what is on disk afterwards.
 */
export async function updateService(
  stateDir: string,
  uuid: string,
  mutate: (current: BaseService) => BaseService | undefined | Promise<BaseService | undefined>,
): Promise<BaseService> {
  const file = serviceFilePath(stateDir, uuid);
  return withFileLock(file, async () => {
    const current = await readService(stateDir, uuid);
    const next = await mutate(current);
    if (!next) return current;
    await markChanged(stateDir, uuid);
    await writeRecord(file, next);
    return next;
  });
}

/** One service; NotFoundError when its record does not exist, ZenmlError when it is corrupt. */
export async function readService(stateDir: string, uuid: string): Promise<BaseService> {
  const file = serviceFilePath(stateDir, uuid);
  const result = await loadRecord(file);
  if (result === undefined) throw new NotFoundError(`no model server with uuid ${uuid} (${file} does not exist)`);
  if (typeof result === 'string') throw new ZenmlError(`${file}: ${result}`, { code: 'CORRUPT_SERVICE' });
  return result;
}

/** Options of listServices. */
export interface ListServicesOptions {
  /** Receives one line per corrupt record (the file is skipped, never deleted). */
  warn?: (message: string) => void;
  /** Only records passing this test become services (the index still keeps every record). */
  where?: (record: ServiceJSON) => boolean;
  /** Strings the JSON of every record passing `where` contains: lets the index skip parsing the others. */
  needles?: string[];
  /** The clock that decides whether the services directory has settled (see dirStamp); tests inject it. */
  now?: () => number;
}

/**
 * Every readable service in the store, oldest first. Directories without a record are skipped
 * silently; corrupt records with a warning (never deleted).
 */
export async function listServices(stateDir: string, options: ListServicesOptions = {}): Promise<BaseService[]> {
  const root = servicesRoot(stateDir);
  let rootStat: Stats;
  try {
    rootStat = statSync(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const rootStamp = dirStamp(rootStat, (options.now ?? Date.now)());
  // Markers are listed before any record is read: a write that starts later leaves a marker this
  // run neither sees nor deletes, so the next run reads that record from its file.
  const markers = readChangeMarkers(stateDir);
  const index = readIndex(stateDir, options.needles);
  const known = index.entries ?? new Map<string, IndexEntry>();
  // When no service directory came or went since the index was written, its uuids are the
  // directories: listing 10,000 of them is skipped. Otherwise they are listed and compared.
  const dirsKnown = index.entries !== undefined && rootStamp !== null && index.header.dirs === rootStamp;
  const dirs: Set<string> | undefined = dirsKnown ? undefined : listServiceDirs(root);
  const exists = (uuid: string) => dirs === undefined || dirs.has(uuid);
  const toRead = dirs ?? new Set([...index.header.unreadable, ...markers.keys()]);
  const where = options.where ?? (() => true);
  let indexChanged = index.entries === undefined || markers.size > 0 || (!dirsKnown && rootStamp !== index.header.dirs);

  // The services asked for, in index order (oldest first); the index keeps every record.
  const wanted: Array<{ entry: IndexEntry; service: BaseService }> = [];
  for (const [uuid, entry] of known) {
    if (!exists(uuid)) indexChanged = true;
    else if (entry.record && !markers.has(uuid) && where(entry.record)) {
      wanted.push({ entry, service: serviceFromTrustedJSON(entry.record) });
    }
  }
  const settled: string[] = [];
  const fresh: IndexEntry[] = [];
  const unreadable: string[] = [];
  for (const uuid of toRead) {
    const marked = markers.get(uuid);
    if (known.has(uuid) && !marked) continue;
    const file = path.join(root, uuid, SERVICE_FILE);
    // Checked before the read: a free lock means the writer of every marker seen so far is done.
    if (marked && recordLockFree(file)) settled.push(...marked);
    const result = loadRecord(file);
    if (typeof result === 'string') options.warn?.(`${file}: corrupt service record skipped (${result})`);
    if (typeof result !== 'object') {
      unreadable.push(uuid);
      if (known.has(uuid)) indexChanged = true;
      continue;
    }
    const entry = indexEntryOf(result.toJSON());
    fresh.push(entry);
    if (where(entry.record!)) wanted.push({ entry, service: result });
    indexChanged = true;
  }
  // A marker whose directory is gone: the service was deleted (a directory created since is read as unknown).
  if (dirs) for (const [uuid, names] of markers) if (!dirs.has(uuid)) settled.push(...names);
  if (unreadable.length !== index.header.unreadable.length || unreadable.some((u) => !index.header.unreadable.includes(u))) indexChanged = true;

  if (indexChanged) {
    const kept = [...known.values()].filter((e) => exists(e.uuid) && !markers.has(e.uuid));
    const entries = fresh.length > 0 ? [...kept, ...fresh].sort(compareCreation) : kept;
    // The stamp taken before the directories were listed: a directory added since changes it.
    const header = { dirs: dirsKnown ? index.header.dirs : rootStamp, unreadable };
    await compactIndex(stateDir, index.stamp, header, entries, settled);
  }
  if (fresh.length > 0) wanted.sort((a, b) => compareCreation(a.entry, b.entry));
  return wanted.map((w) => w.service);
}

/** The names of the service directories (names only, no file types: 40% faster over 10,000; a stray file reads as a missing record). */
function listServiceDirs(root: string): Set<string> {
  try {
    return new Set(readdirSync(root).filter((name) => SAFE_ID.test(name)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw error;
  }
}

// A writer waiting for a record's lock re-creates its lock file in the service directory as soon as the remover's
// lock file is gone, which can be while rm walks the directory: its last rmdir then fails with ENOTEMPTY (seen once
// in the concurrent-writers torture test). rm's own retries walk the directory again.
const RM_DIR = { recursive: true, force: true, maxRetries: 5, retryDelay: 20 } as const;

/** Remove the service's directory and everything in it (no error when it is already gone). */
export async function deleteServiceDir(stateDir: string, uuid: string): Promise<void> {
  const dir = serviceDirPath(stateDir, uuid);
  await withFileLock(path.join(dir, SERVICE_FILE), async () => {
    await markChanged(stateDir, uuid);
    await rm(dir, RM_DIR);
  });
}

/**
 * Remove the service directories without a record that the last listing saw (the index header keeps them):
 * what a deploy killed before its first record, or a delete killed half-way, left behind. Only while holding
 * the deployer's deploy lock: deploys alone create service directories, so none is being filled right now.
 * A corrupt record is never removed; a directory whose record lock a live writer holds is skipped.
 */
export async function removeAbandonedServiceDirs(stateDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const uuid of readIndexHeader(stateDir).unreadable) {
    const file = path.join(servicesRoot(stateDir), uuid, SERVICE_FILE);
    if (!SAFE_ID.test(uuid) || existsSync(file) || !existsSync(path.dirname(file))) continue;
    const done = await tryWithFileLock(file, async () => {
      if (existsSync(file)) return false;
      await markChanged(stateDir, uuid);
      await rm(path.dirname(file), RM_DIR);
      return true;
    });
    if (done) removed.push(uuid);
  }
  return removed;
}

/** Oldest first; the uuid breaks ties so the order is the same on every run. */
function compareCreation(a: IndexEntry, b: IndexEntry): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0;
}

async function writeRecord(file: string, service: BaseService): Promise<void> {
  // 0600 like the server config beside it: a custom flavor's record may hold credentials.
  await writeAtomic(file, `${JSON.stringify(service.toJSON(), null, 2)}\n`, PRIVATE_FILE_MODE);
}

/** The service, undefined when the file is missing, or a one-line reason when it is corrupt. */
function loadRecord(file: string): BaseService | string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    return `cannot read: ${(error as Error).message}`;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  try {
    const service = serviceFromJSON(raw);
    // The directory name is the key: a record claiming another uuid is a copy gone wrong.
    const dirName = path.basename(path.dirname(file));
    if (service.uuid !== dirName) return `its uuid ${service.uuid} does not match the directory ${dirName}`;
    return service;
  } catch (error) {
    if (error instanceof z.ZodError) {
      return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    }
    return (error as Error).message;
  }
}
