// The public API for flavor authors. Importing it has no side effects: no I/O, no signal handlers.
export {
  BaseModelDeployer,
  DEFAULT_DEPLOYMENT_START_STOP_TIMEOUT,
  MODEL_DEPLOYER_BRAND,
  REQUIRED_DEPLOYER_METHODS,
  isModelDeployerClass,
  type DeployerContext,
  type DeployOptions,
  type LogOptions,
  type ModelDeployerClass,
  type StartOptions,
  type StopOptions,
} from './deployers/base-model-deployer.js';
export type { ServiceFilter } from './deployers/service-filter.js';
export { withProgress, type ProgressReporter } from './deployers/progress.js';
export { predictOverHttp, resolveEndpoint, type HttpPredictTarget } from './predict/http-predict.js';
export type { Prediction, PredictionProtocol, PredictRequest } from './predict/prediction.js';
export { waitForServiceState } from './deployers/wait-for-state.js';
export { BaseService, type ServiceInit, type ServiceJSON } from './services/base-service.js';
export {
  ServiceConfigSchema,
  parseServiceConfig,
  sameDeploymentTarget,
  sameServiceConfig,
  type ServiceConfig,
  type ServiceConfigInput,
} from './services/service-config.js';
export { ServiceState, SERVICE_STATES, type ServiceEndpoint, type ServiceStatus } from './services/service-status.js';
export { registerServiceType, serviceFromJSON } from './services/service-registry.js';
export {
  ZenmlError,
  UsageError,
  ConfigError,
  NotFoundError,
  TimeoutError,
  FlavorLoadError,
  FlavorContractError,
  ServerError,
  EnvironmentError,
  ExitCode,
} from './errors.js';
/** zod, re-exported so a flavor's config schema uses the same zod as the CLI. */
export { z } from 'zod';
// Building blocks for flavors that run model servers as local processes (as `local` and `mlflow` do).
export {
  saveService,
  updateService,
  readService,
  listServices,
  deleteServiceDir,
  serviceDirPath,
  type ListServicesOptions,
} from './services/service-store.js';
export {
  spawnDaemon,
  stopProcess,
  waitForExit,
  isAlive,
  getProcessIdentity,
  findFreePort,
  isPortFree,
  waitForHealthy,
  probeHealth,
  tailLines,
  followLines,
  type ProcessIdentity,
  type SpawnDaemonOptions,
} from './services/daemon.js';
// The built-in local flavor's classes, for flavors that extend it and for tools that seed its store.
export { LocalModelDeployer, LocalModelService, type LocalServiceExtra } from './integrations/local/index.js';
