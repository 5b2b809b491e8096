/**
 * Bring a recorded status in line with the process table, cheaply (no HTTP): `find` runs this
 * for every service, and must stay fast with thousands of them.
 */
import { readFile, rm } from 'node:fs/promises';
import { NotFoundError } from '../../errors.js';
import { logExcerpt } from '../../services/health-probe.js';
import { isAlive } from '../../services/process-identity.js';
import { updateService } from '../../services/service-store.js';
import { ServiceState } from '../../services/service-status.js';
import type { BaseService } from '../../services/base-service.js';
import { LocalModelService } from './local-service.js';

/**
 * The service with its state corrected and persisted (undefined when it was deleted meanwhile): a process that is gone while we did not
 * stop it is an `error` (with the last log lines); one we asked to stop is `inactive`; a starting
 * one whose server has published runtime.json for this spawn is `active`.
 */
export async function reconcileService(stateDir: string, service: BaseService): Promise<BaseService | undefined> {
  if (!(service instanceof LocalModelService)) return service;
  const state = service.status.state;
  if (state === ServiceState.INACTIVE || state === ServiceState.ERROR) return service;
  if (await isAlive(service.identity)) {
    if (state !== ServiceState.PENDING_STARTUP || !(await runtimeMatches(service))) return service;
    return transition(stateDir, service, ServiceState.ACTIVE, '');
  }
  if (state === ServiceState.PENDING_SHUTDOWN) {
    await rm(service.runtimePath, { force: true });
    return transition(stateDir, service, ServiceState.INACTIVE, '');
  }
  const pid = service.local.pid;
  const why = `model server process ${pid ?? '(never started)'} exited unexpectedly${await logExcerpt(service.local.logPath, 20)}`;
  await rm(service.runtimePath, { force: true });
  return transition(stateDir, service, ServiceState.ERROR, why);
}

/** True when runtime.json names this spawn: the server is up (it writes the file once it listens with its models). */
export async function runtimeMatches(service: LocalModelService): Promise<boolean> {
  try {
    const runtime = JSON.parse(await readFile(service.runtimePath, 'utf8')) as { pid?: unknown; instanceId?: unknown };
    return runtime.instanceId === service.local.instanceId && runtime.pid === service.local.pid;
  } catch {
    return false;
  }
}

/** Persist the new state unless another process changed the record since we read it (then keep theirs). */
async function transition(
  stateDir: string,
  seen: LocalModelService,
  state: ServiceState,
  lastError: string,
): Promise<BaseService | undefined> {
  try {
    return await updateService(stateDir, seen.uuid, (current) => {
      const same =
        current.status.state === seen.status.state && current.extra.instanceId === seen.extra.instanceId;
      if (!same) return undefined;
      current.setState(state, lastError);
      return current;
    });
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    // Unreadable now: report what we saw, corrected, without persisting.
    seen.setState(state, lastError);
    return seen;
  }
}
