/**
 * Bring a recorded status in line with the process table, cheaply (no HTTP): `find` runs this
 * for every service, and must stay fast with thousands of them.
 */
import { readFile, rm } from 'node:fs/promises';
import { NotFoundError } from '../../errors.js';
import { logExcerpt } from '../../services/health-probe.js';
import { markedGroupLeader } from '../../services/marked-processes.js';
import { getProcessIdentity, isAlive } from '../../services/process-identity.js';
import { updateService } from '../../services/service-store.js';
import { ServiceState } from '../../services/service-status.js';
import type { BaseService } from '../../services/base-service.js';
import { LocalModelService } from './local-service.js';

/**
 * The service with its state corrected and persisted (undefined when it was deleted meanwhile): a process that is gone while we did not
 * stop it is an `error` (with the last log lines); one we asked to stop is `inactive`; a starting
 * one whose server has published runtime.json for this spawn is `active`; one whose launch was
 * interrupted gets the server it spawned, if any (reconcileLaunch).
 */
export async function reconcileService(stateDir: string, service: BaseService): Promise<BaseService | undefined> {
  if (!(service instanceof LocalModelService)) return service;
  if (service.local.pid === undefined && service.local.launcher) return reconcileLaunch(stateDir, service);
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

/**
 * A record saved just before its spawn. While the zenml that launches the server runs, it is as it says.
 * Once that process is gone without recording a pid (killed), the server it spawned, found by its mark, is
 * adopted: its pid is recorded and it is reconciled like any other. When none runs, the launch died before
 * the spawn: `error`. The launcher stays recorded until a pid is, so a server seen late is still adopted.
 */
async function reconcileLaunch(stateDir: string, service: LocalModelService): Promise<BaseService | undefined> {
  const launcher = service.local.launcher!;
  if (await isAlive(launcher)) return service;
  const leader = await markedGroupLeader(service.uuid);
  if (leader === undefined) {
    if (service.status.state === ServiceState.ERROR) return service;
    const why = `the zenml process ${launcher.pid} that was starting this model server exited before it started the server`;
    return transition(stateDir, service, ServiceState.ERROR, why);
  }
  const identity = await getProcessIdentity(leader);
  let adopted: BaseService;
  try {
    adopted = await updateService(stateDir, service.uuid, (current) => {
      if (!(current instanceof LocalModelService) || current.local.pid !== undefined || current.local.instanceId !== service.local.instanceId) return undefined;
      current.setLocal({ pid: identity.pid, processStartTime: identity.startTime, launcher: undefined });
      current.setState(ServiceState.PENDING_STARTUP);
      return current;
    });
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    return service;
  }
  // Adopted (or another run recorded a pid meanwhile): now an ordinary record.
  return adopted instanceof LocalModelService && adopted.local.pid !== undefined ? reconcileService(stateDir, adopted) : adopted;
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
