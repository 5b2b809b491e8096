import type { BaseService } from '../services/base-service.js';
import type { BaseModelDeployer } from './base-model-deployer.js';

/** The stable JSON shape of a model server, as every command prints it with --json. */
export interface ServiceView {
  uuid: string;
  deployer: string;
  flavor: string;
  state: string;
  lastError: string;
  modelName: string;
  modelVersion: string;
  modelUri: string;
  modelType: string;
  pipelineName: string;
  pipelineRunId: string;
  pipelineStepName: string;
  predictionUrl: string | null;
  healthCheckUrl: string | null;
  createdAt: string;
  updatedAt: string;
  config: Record<string, unknown>;
  info: Record<string, string>;
}

/** Flatten a service (and its deployer's info keys) into the stable view. */
export function serviceView(deployer: BaseModelDeployer, service: BaseService): ServiceView {
  const c = service.config;
  let info: Record<string, string>;
  try {
    info = deployer.getModelServerInfo(service);
  } catch (error) {
    info = { ERROR: (error as Error).message };
  }
  return {
    uuid: service.uuid,
    deployer: deployer.context.name,
    flavor: service.flavor,
    state: service.status.state,
    lastError: service.status.lastError,
    modelName: c.modelName,
    // The version the server serves (the local flavor numbers replaced models: info.MODEL_VERSION), else as deployed.
    modelVersion: info.MODEL_VERSION || c.modelVersion,
    modelUri: c.modelUri,
    modelType: c.modelType,
    pipelineName: c.pipelineName,
    pipelineRunId: c.pipelineRunId,
    pipelineStepName: c.pipelineStepName,
    predictionUrl: service.isRunning ? (service.endpoint?.predictionUrl ?? null) : null,
    healthCheckUrl: service.isRunning ? (service.endpoint?.healthCheckUrl ?? null) : null,
    createdAt: service.createdAt,
    updatedAt: service.updatedAt,
    config: c,
    info,
  };
}
