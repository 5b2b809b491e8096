/**
 * The `kserve` flavor: model servers as KServe InferenceServices in a Kubernetes cluster. The
 * Kubernetes layer does the cluster work (labels, the service annotation, delete, logs, error
 * translation); this class adds KServe's manifest, status, URLs, its stop annotation and canary
 * promote/rollback.
 */
import type { BaseService, ServiceInit } from '../../services/base-service.js';
import type { ServiceConfig } from '../../services/service-config.js';
import type { ServiceEndpoint } from '../../services/service-status.js';
import type { Prediction, PredictRequest } from '../../predict/prediction.js';
import type { KubeObject } from '../kubernetes/kube-client.js';
import { serviceAnnotationValue, SERVICE_ANNOTATION } from '../kubernetes/kube-labels.js';
import type { KubeClient } from '../kubernetes/kube-client.js';
import { KubernetesModelDeployer, resourceNameFor, type ManifestTarget, type ResourceState } from '../kubernetes/kubernetes-deployer.js';
import { deploymentRolloutState } from '../kubernetes/rollout-state.js';
import { readWorkloads } from '../kubernetes/workloads.js';
import type { KubernetesService } from '../kubernetes/kubernetes-service.js';
import { waitForServiceState } from '../../deployers/wait-for-state.js';
import { UsageError, ZenmlError } from '../../errors.js';
import { builtinDescription } from '../../flavors/builtin-flavors.js';
import { ServiceState } from '../../services/service-status.js';
import { kserveEndpoint, kserveServerInfo } from './kserve-info.js';
import { INFERENCE_SERVICE, KSERVE_CONTAINER, KSERVE_POD_LABEL, KSERVE_STOP_ANNOTATION } from './kserve-kind.js';
import { buildInferenceService } from './kserve-manifest.js';
import { InferenceServiceService } from './kserve-service.js';
import { kserveServiceSettingsSchema } from './kserve-service-settings.js';
import { kserveSettingsSchema, type KserveSettings } from './kserve-settings.js';
import { isKserveStopped, kserveLiveFacts, kserveModeOf, readKserveStateWith, rollbackTarget } from './kserve-status.js';

/** Deploys models as InferenceServices and finds them again from the cluster alone. */
export class KserveModelDeployer extends KubernetesModelDeployer<KserveSettings> {
  static override readonly FLAVOR = 'kserve';
  static override readonly DESCRIPTION = builtinDescription('kserve');
  static override readonly INTEGRATION = 'kserve';
  static override readonly configSchema = kserveSettingsSchema;
  static override readonly serviceSettingsSchema = kserveServiceSettingsSchema;

  protected get resourceKind() {
    return INFERENCE_SERVICE;
  }

  protected newService(init: ServiceInit): KubernetesService {
    return new InferenceServiceService(init);
  }

  protected buildManifest(service: KubernetesService, target: ManifestTarget): KubeObject {
    return buildInferenceService(service.stored(), this.settings, target);
  }

  /** Each InferenceService with, in Standard mode, its Deployments (one list call) and the pods of those not rolled out. */
  protected async readResourceStates(resources: KubeObject[], client: KubeClient): Promise<ResourceState[]> {
    const standard = resources.filter((r) => kserveModeOf(r) === 'Standard');
    const workloads = standard.length
      ? await readWorkloads(client, KSERVE_POD_LABEL, standard.map((r) => r.metadata.name), (deploymentsOf) =>
          standard.filter((r) => deploymentsOf(r.metadata.name).some((d) => deploymentRolloutState(d, []).state !== ServiceState.ACTIVE)).map((r) => r.metadata.name),
        )
      : undefined;
    return resources.map((r) => readKserveStateWith(r, workloads && { deployments: workloads.deployments(r.metadata.name), pods: workloads.pods(r.metadata.name) }));
  }

  protected workloadSelector(name: string): string {
    return `${KSERVE_POD_LABEL}=${name}`;
  }

  protected liveFacts(resource: KubeObject): Record<string, unknown> {
    return kserveLiveFacts(resource);
  }

  // KServe scales by itself (minReplicas..maxReplicas) and stops by annotation: no replica counts to remember.
  protected readReplicas(): Record<string, number> {
    return {};
  }

  protected scaleSpecPatch(): Record<string, unknown> {
    return {};
  }

  protected override isStoppedResource(resource: KubeObject): boolean {
    return isKserveStopped(resource);
  }

  protected override stopPatch(live: KubeObject): Record<string, unknown> | undefined {
    return isKserveStopped(live) ? undefined : { metadata: { annotations: { [KSERVE_STOP_ANNOTATION]: 'true' } } };
  }

  protected override startPatch(live: KubeObject): Record<string, unknown> | undefined {
    return isKserveStopped(live) ? { metadata: { annotations: { [KSERVE_STOP_ANNOTATION]: null } } } : undefined;
  }

  /** A canary percentage is one rollout's: a later `--replace` without it sends all traffic to the new revision. */
  protected override replaceDropsSettings(): readonly string[] {
    return ['canaryTrafficPercent'];
  }

  protected override updateClearsAnnotations(): string[] {
    return [KSERVE_STOP_ANNOTATION];
  }

  protected endpointOf(service: KubernetesService): ServiceEndpoint {
    return kserveEndpoint(asKserve(service), this.settings.baseUrl);
  }

  protected logContainer(): string {
    return KSERVE_CONTAINER;
  }

  override getModelServerInfo(service: BaseService): Record<string, string> {
    return kserveServerInfo(asKserve(service), this.settings.baseUrl);
  }

  /** POST to the prediction URL; through an ingress at baseUrl, with the Host header it routes by. */
  protected override async performPredict(service: BaseService, request: PredictRequest): Promise<Prediction> {
    const { predictOverHttp } = await import('../../predict/http-predict.js');
    const info = this.getModelServerInfo(service);
    return predictOverHttp({ uuid: service.uuid, info, headers: info.HOST_HEADER ? { host: info.HOST_HEADER } : undefined }, request);
  }

  /** End a canary: remove canaryTrafficPercent so the newest ready revision gets all traffic. */
  protected override async performPromote(service: BaseService, timeout: number): Promise<BaseService> {
    return this.setCanary(service, undefined, timeout, () => undefined);
  }

  /** Pin the previous ready revision: canaryTrafficPercent 0, KServe's own rollback. */
  protected override async performRollback(service: BaseService, timeout: number): Promise<BaseService> {
    return this.setCanary(service, 0, timeout, (live) => {
      if (rollbackTarget(live)) return undefined;
      return new UsageError(`model server ${service.uuid} has no previous ready revision to roll back to`, {
        code: 'NO_PREVIOUS_REVISION',
        suggestion: 'a rollback needs a revision rolled out before the current one (deploy --replace first)',
      });
    });
  }

  /** Set (or remove) the predictor's canaryTrafficPercent, in the spec and in the stored service config alike. */
  private async setCanary(service: BaseService, percent: number | undefined, timeout: number, refuse: (live: KubeObject) => Error | undefined): Promise<BaseService> {
    const client = await this.client();
    const current = asKserve(service);
    const name = resourceNameFor(current.uuid);
    const { canaryTrafficPercent: _old, ...rest } = current.config as ServiceConfig & { canaryTrafficPercent?: number };
    const config = percent === undefined ? rest : { ...rest, canaryTrafficPercent: percent };
    const next = this.newService({ uuid: current.uuid, config: config as ServiceConfig, flavor: this.flavor, createdAt: current.createdAt, extra: current.storedExtra() });
    const updated = await client.modify(this.resourceKind, name, (live) => {
      const refused = refuse(live);
      if (refused) throw refused;
      const livePercent = (live.spec as { predictor?: { canaryTrafficPercent?: number } } | undefined)?.predictor?.canaryTrafficPercent;
      if (livePercent === percent) return undefined;
      return {
        metadata: { annotations: { [SERVICE_ANNOTATION]: serviceAnnotationValue(next.stored()) } },
        spec: { predictor: { canaryTrafficPercent: percent ?? null } },
      };
    });
    this.context.log(`${INFERENCE_SERVICE.kind} '${name}': canaryTrafficPercent ${percent ?? '(none: 100% to the latest revision)'}`);
    const fresh = (await this.serviceOf(updated, client)) ?? next;
    return timeout > 0 ? waitForServiceState(this, fresh, [ServiceState.ACTIVE], timeout) : fresh;
  }
}

function asKserve(service: BaseService): InferenceServiceService {
  if (service instanceof InferenceServiceService) return service;
  throw new ZenmlError(`service ${service.uuid} is a ${service.type} service, not an InferenceService`, { code: 'WRONG_SERVICE_TYPE' });
}
