import { ServerError, TimeoutError } from '../errors.js';
import type { BaseService } from '../services/base-service.js';
import { ServiceState } from '../services/service-status.js';

/** What waitForServiceState needs: a way to re-read the service. */
export interface ServiceRefresher {
  refreshModelServer(service: BaseService): Promise<BaseService>;
}

const POLL_MS = 100;

/**
 * Poll until the service reaches one of `states`. `timeout` is in seconds; 0 returns at once
 * (ZenML's "don't wait"). Reaching `error` while waiting for something else fails right away.
 */
export async function waitForServiceState(
  refresher: ServiceRefresher,
  service: BaseService,
  states: string[],
  timeout: number,
): Promise<BaseService> {
  if (timeout === 0) return service;
  const deadline = Date.now() + timeout * 1000;
  let current = service;
  for (;;) {
    if (states.includes(current.status.state)) return current;
    if (current.status.state === ServiceState.ERROR && !states.includes(ServiceState.ERROR)) {
      throw new ServerError(`model server ${current.uuid} failed: ${current.status.lastError || 'unknown error'}`);
    }
    if (Date.now() >= deadline) {
      throw new TimeoutError(
        `model server ${current.uuid} did not reach state ${states.join(' or ')} within ${timeout}s (it is ${current.status.state}${current.status.lastError ? `: ${current.status.lastError}` : ''})`,
        { details: { uuid: current.uuid, waitedFor: states, state: current.status.state, reason: current.status.lastError || undefined } },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    current = await refresher.refreshModelServer(current);
  }
}
