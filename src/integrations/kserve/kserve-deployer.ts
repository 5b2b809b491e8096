/**
 * The `kserve` flavor: model servers as KServe InferenceServices in a Kubernetes cluster. The
 * Kubernetes layer does the cluster work (labels, the service annotation, delete, logs, error
 * translation); this class adds KServe's manifest, status, URLs, its stop annotation and canary
 * promote/rollback.
 */
import type { BaseService, ServiceInit } from '../../services/base-service.js';
import type { ServiceEndpoint } from '../../services/service-status.js';
import type { Prediction, PredictRequest } from '../../predict/prediction.js';
import type { KubeObject } from '../kubernetes/kube-client.js';
import type { KubeClient } from '../kubernetes/kube-client.js';
import { KubernetesModelDeployer, resourceNameFor, type ManifestTarget, type ResourceState } from '../kubernetes/kubernetes-deployer.js';
import { readWorkloads } from '../kubernetes/workloads.js';
import type { KubernetesService } from '../kubernetes/kubernetes-service.js';
import { waitForServiceState } from '../../deployers/wait-for-state.js';
import { UsageError, ZenmlError } from '../../errors.js';
import { builtinDescription } from '../../flavors/builtin-flavors.js';
import { ServiceState } from '../../services/service-status.js';
import { kserveEndpoint, kserveServerInfo } from './kserve-info.js';
import { INFERENCE_SERVICE, KSERVE_CONTAINER, KSERVE_POD_LABEL, KSERVE_STOP_ANNOTATION } from './kserve-kind.js';
import { canariesOf, predictorOf } from './kserve-canary.js';
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

  protected buildManifest(service: KubernetesService, target: ManifestTarget, live?: KubeObject): KubeObject {
    return buildInferenceService(service.stored(), this.settings, target, live);
  }

  /** Each InferenceService with, in Standard mode, its Deployments (one list call) and the pods of those not rolled out. */
  protected async readResourceStates(resources: KubeObject[], client: KubeClient): Promise<ResourceState[]> {
    const standard = resources.filter((r) => kserveModeOf(r) === 'Standard');
    const workloads = standard.length ? await readWorkloads(client, KSERVE_POD_LABEL, standard) : undefined;
    return resources.map((r) => readKserveStateWith(r, workloads?.of(r.metadata.name)));
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

  /**
   * End a canary, the new model taking all traffic. Standard mode: the canary becomes the predictor (its name, so
   * KServe keeps its Deployment, and its model) and the canary entry goes, as KServe's API doc says (CanarySpec,
   * pkg/apis/serving/v1beta1/inference_service.go, v0.20.0). Knative mode: canaryTrafficPercent goes, the newest
   * ready revision gets 100%.
   */
  protected override async performPromote(service: BaseService, timeout: number): Promise<BaseService> {
    return this.trafficPatch(service, timeout, 'promote', (live) => {
      if (kserveModeOf(live) === 'Standard') {
        const canary = canariesOf(live)[0];
        if (!canary) return noCanary(service.uuid, 'promote');
        const { minReplicas: _fixed, ...promoted } = canary.predictor;
        return { spec: { predictor: { ...predictorOf(live), ...promoted }, canary: null } };
      }
      return predictorOf(live)?.canaryTrafficPercent === undefined ? undefined : { spec: { predictor: { canaryTrafficPercent: null } } };
    });
  }

  /**
   * Send all traffic back to the model served before the canary. Standard mode: the canary entry goes (its
   * Deployment with it). Knative mode: canaryTrafficPercent 0, KServe's own rollback to the previous ready revision.
   */
  protected override async performRollback(service: BaseService, timeout: number): Promise<BaseService> {
    return this.trafficPatch(service, timeout, 'rollback', (live) => {
      if (kserveModeOf(live) === 'Standard') return canariesOf(live).length ? { spec: { canary: null } } : noCanary(service.uuid, 'rollback');
      if (!rollbackTarget(live)) {
        return new UsageError(`model server ${service.uuid} has no previous ready revision to roll back to`, {
          code: 'NO_PREVIOUS_REVISION',
          suggestion: 'a rollback needs a revision rolled out before the current one (deploy --replace first)',
        });
      }
      return predictorOf(live)?.canaryTrafficPercent === 0 ? undefined : { spec: { predictor: { canaryTrafficPercent: 0 } } };
    });
  }

  /**
   * Patch the spec only, never the annotations: KServe copies them into the revision template (Knative) or the pod
   * template of every predictor Deployment (Standard), so changing one would roll every pod. The stored service is
   * left as the last deploy wrote it; the live facts show the canary from the spec. Then wait for active.
   */
  private async trafficPatch(service: BaseService, timeout: number, verb: string, patchFor: (live: KubeObject) => Record<string, unknown> | Error | undefined): Promise<BaseService> {
    const client = await this.client();
    const name = resourceNameFor(service.uuid);
    const updated = await client.modify(this.resourceKind, name, (live) => {
      const patch = patchFor(live);
      if (patch instanceof Error) throw patch;
      return patch;
    });
    this.context.log(`${INFERENCE_SERVICE.kind} '${name}': ${verb} (generation ${updated.metadata.generation ?? '?'})`);
    const fresh = (await this.serviceOf(updated, client)) ?? service;
    return timeout > 0 ? waitForServiceState(this, fresh, [ServiceState.ACTIVE], timeout) : fresh;
  }
}

function noCanary(uuid: string, verb: string): UsageError {
  return new UsageError(`model server ${uuid} has no canary to ${verb}`, {
    code: 'NO_CANARY',
    suggestion: 'start one with deploy --replace -c canaryTrafficPercent=N (KServe Standard mode keeps no earlier revision to go back to)',
  });
}

function asKserve(service: BaseService): InferenceServiceService {
  if (service instanceof InferenceServiceService) return service;
  throw new ZenmlError(`service ${service.uuid} is a ${service.type} service, not an InferenceService`, { code: 'WRONG_SERVICE_TYPE' });
}
