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

/**
 * The facts `describe` shows about a model server, in its order, labelled in lower case: each once (a flavor's
 * info key that repeats one, MODEL_URI or MODEL_NAME, is left out; one the config left empty fills it), empty
 * values left out. The dashboard shows the same list.
 */
export function serviceFacts(v: ServiceView): [label: string, value: string][] {
  const facts = new Map<string, string>([
    ['uuid', v.uuid],
    ['name', String(v.config.name ?? '')],
    ['description', String(v.config.description ?? '')],
    ['status', v.state],
    ['last error', v.lastError],
    ['deployer', `${v.deployer} (flavor ${v.flavor})`],
    ['model name', v.modelName],
    ['model version', v.modelVersion],
    ['model uri', v.modelUri],
    ['model type', v.modelType],
    ['pipeline name', v.pipelineName],
    ['pipeline run id', v.pipelineRunId],
    ['pipeline step name', v.pipelineStepName],
    ['created', v.createdAt],
    ['updated', v.updatedAt],
  ]);
  for (const [key, value] of Object.entries(v.info)) {
    const label = key.toLowerCase().replace(/_/g, ' ');
    // The flavor knows what it serves: its value fills a fact the config left empty (a version it chose).
    if (!facts.get(label)) facts.set(label, value);
  }
  return [...facts].filter(([, value]) => value !== '');
}
