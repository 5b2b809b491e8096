/**
 * The runtime file a daemon publishes once it listens, so the supervisor can find its pid and port.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** What the runtime file holds. */
export interface RuntimeInfo {
  /** pid of the daemon (the cluster primary when there are workers). */
  pid: number;
  /** Bound port. */
  port: number;
  /** Bound gRPC port; absent when gRPC is off. */
  grpcPort?: number;
  /** Bound host. */
  host: string;
  /** The identity token from the config. */
  instanceId: string;
  /** ISO time the server started listening. */
  startedAt: string;
}

/** Writes the runtime file atomically: a reader sees the old file or the whole new one, never a partial write. */
export function writeRuntimeFile(path: string, info: RuntimeInfo): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o644 });
  renameSync(temp, path);
}

/** Removes the runtime file on a clean stop, but only if it is still ours (a newer server may have replaced it). */
export function removeRuntimeFile(path: string, pid: number): void {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as Partial<RuntimeInfo>;
    if (info.pid === pid) rmSync(path, { force: true });
  } catch {
    // Missing or unreadable: nothing of ours to remove.
  }
}
