/**
 * Continuous deployment for the mlflow flavor: the same uuid and URL serve a new model.
 * onnx → onnx on a running server swaps in place (no failed request). Every other case restarts on the
 * same port: stop the old server, start the new one, and when the new one does not come up, start the
 * old one again so a bad model never leaves the URL dead. Requests fail while the server restarts.
 */
import { rm } from 'node:fs/promises';
import { ServerError } from '../../errors.js';
import type { BaseService } from '../../services/base-service.js';
import { isAlive } from '../../services/process-identity.js';
import type { ServiceConfig } from '../../services/service-config.js';
import { saveService } from '../../services/service-store.js';
import { ServiceState } from '../../services/service-status.js';
import type { MlflowModelService } from './mlflow-service.js';
import type { MlModel } from './mlmodel.js';
import { ownedDownloadRoot } from './model-source.js';

/** The deployer's operations a replace uses. */
export interface ReplaceOps {
  stateDir: string;
  log: (message: string) => void;
  /** Load `next` (onnx) into the running server in place. */
  hotSwap: (next: MlModel) => Promise<void>;
  /** Throw when `next` cannot be started at all (e.g. no mlflow), before the old server is stopped. */
  checkLaunchable: (next: MlModel) => void;
  stop: (service: MlflowModelService) => Promise<BaseService>;
  /** The port to start on: the recorded one when free. */
  restartPort: (service: MlflowModelService) => Promise<number>;
  launch: (service: MlflowModelService, timeout: number) => Promise<MlflowModelService>;
}

/** Serve `model` (already fetched and checked) under `service`'s uuid; on failure the service is as it was. */
export async function replaceModel(
  service: MlflowModelService,
  config: ServiceConfig,
  model: MlModel,
  timeout: number,
  ops: ReplaceOps,
): Promise<MlflowModelService> {
  const servicePath = service.local.servicePath;
  const previous = { config: service.config, extra: { ...service.extra }, status: { ...service.status } };
  const previousDir = service.mlflow.modelDir;
  const state = service.status.state;
  const running = (state === ServiceState.ACTIVE || state === ServiceState.PENDING_STARTUP) && (await isAlive(service.identity));
  try {
    if (running && service.mlflow.servingFlavor === 'onnx' && model.serving === 'onnx') {
      await ops.hotSwap(model);
      service.config = config;
      service.setModel(model);
      service.setState(service.status.state);
      await saveService(ops.stateDir, service);
      ops.log(`model server ${service.uuid} now serves ${config.modelUri} (swapped in place)`);
    } else {
      ops.checkLaunchable(model);
      if (running) await ops.stop(service);
      service.config = config;
      service.setModel(model);
      service.setLocal({ port: await ops.restartPort(service) });
      try {
        await ops.launch(service, timeout);
      } catch (error) {
        await restorePrevious(service, previous, running, timeout, error, ops);
      }
      ops.log(`model server ${service.uuid} restarted with ${config.modelUri} (${model.serving})`);
    }
  } catch (error) {
    await removeOwnDownload(servicePath, model.dir, previousDir);
    throw error;
  }
  await removeOwnDownload(servicePath, previousDir, model.dir);
  return service;
}

/** Put the previous model back (restarting it when it was running) and throw why the new one failed. */
async function restorePrevious(
  service: MlflowModelService,
  previous: { config: ServiceConfig; extra: Record<string, unknown>; status: BaseService['status'] },
  wasRunning: boolean,
  timeout: number,
  error: unknown,
  ops: ReplaceOps,
): Promise<never> {
  const why = (error as Error).message;
  service.config = previous.config;
  service.extra = { ...previous.extra };
  if (!wasRunning) {
    service.status = previous.status;
    await saveService(ops.stateDir, service);
    throw error;
  }
  ops.log(`model server ${service.uuid}: the new model did not start; starting the previous one again`);
  try {
    await ops.launch(service, timeout || 300);
  } catch (again) {
    service.setState(ServiceState.ERROR, `the new model did not start (${why}); neither did the previous one: ${(again as Error).message}`);
    await saveService(ops.stateDir, service);
    throw new ServerError(`model server ${service.uuid} is down: the new model did not start, and the previous one did not start again:\n${(again as Error).message}`, {
      cause: error,
    });
  }
  throw new ServerError(
    `model server ${service.uuid} kept ${previous.config.modelUri} (serving again at ${service.endpointUrls().predictionUrl}): the new model did not start:\n${why}`,
    { cause: error, details: { uuid: service.uuid } },
  );
}

/** Remove `dir` when it is a download inside the service dir that `keep` (the model now served) is not part of. */
async function removeOwnDownload(servicePath: string, dir: string, keep: string): Promise<void> {
  const root = ownedDownloadRoot(servicePath, dir);
  if (root && root !== ownedDownloadRoot(servicePath, keep)) await rm(root, { recursive: true, force: true });
}
