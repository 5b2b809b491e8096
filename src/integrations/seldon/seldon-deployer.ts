/**
 * The `seldon` flavor: model servers as Seldon Core SeldonDeployments in a Kubernetes cluster. The
 * Kubernetes layer does the cluster work (labels, the service annotation, stop/start, delete, logs,
 * error translation); this class adds Seldon's manifest, status and URLs.
 */
import type { ServiceInit } from '../../services/base-service.js';
import type { BaseService } from '../../services/base-service.js';
import type { ServiceEndpoint } from '../../services/service-status.js';
import type { KubeObject } from '../kubernetes/kube-client.js';
import type { KubeClient } from '../kubernetes/kube-client.js';
import { KubernetesModelDeployer, type ManifestTarget, type ResourceState } from '../kubernetes/kubernetes-deployer.js';
import { readWorkloads } from '../kubernetes/workloads.js';
import type { KubernetesService } from '../kubernetes/kubernetes-service.js';
import { ZenmlError } from '../../errors.js';
import { builtinDescription } from '../../flavors/builtin-flavors.js';
import { seldonEndpoint, seldonServerInfo } from './seldon-info.js';
import { SELDON_DEPLOYMENT, SELDON_GRAPH_NODE, SELDON_POD_LABEL } from './seldon-kind.js';
import { buildSeldonDeployment } from './seldon-manifest.js';
import { SeldonDeploymentService } from './seldon-service.js';
import { seldonServiceSettingsSchema } from './seldon-service-settings.js';
import { seldonSettingsSchema, type SeldonSettings } from './seldon-settings.js';
import { readSeldonReplicas, readSeldonState, seldonLiveFacts, seldonScalePatch } from './seldon-status.js';

/** Deploys models as SeldonDeployments and finds them again from the cluster alone. */
export class SeldonModelDeployer extends KubernetesModelDeployer<SeldonSettings> {
  static override readonly FLAVOR = 'seldon';
  static override readonly DESCRIPTION = builtinDescription('seldon');
  static override readonly INTEGRATION = 'seldon';
  static override readonly configSchema = seldonSettingsSchema;
  static override readonly serviceSettingsSchema = seldonServiceSettingsSchema;

  protected get resourceKind() {
    return SELDON_DEPLOYMENT;
  }

  protected newService(init: ServiceInit): KubernetesService {
    return new SeldonDeploymentService(init);
  }

  protected buildManifest(service: KubernetesService, target: ManifestTarget): KubeObject {
    return buildSeldonDeployment(service.stored(), this.settings, target);
  }

  /** Each SeldonDeployment with its Deployments (one list call) and, for those not rolled out yet, their pods. */
  protected async readResourceStates(resources: KubeObject[], client: KubeClient): Promise<ResourceState[]> {
    // A Failed one's pods too: they say why.
    const workloads = await readWorkloads(client, SELDON_POD_LABEL, resources, (r) => r.status?.state === 'Failed');
    return resources.map((r) => readSeldonState(r, workloads?.of(r.metadata.name)));
  }

  protected workloadSelector(name: string): string {
    return `${SELDON_POD_LABEL}=${name}`;
  }

  protected liveFacts(resource: KubeObject): Record<string, unknown> {
    return seldonLiveFacts(resource);
  }

  protected readReplicas(resource: KubeObject): Record<string, number> {
    return readSeldonReplicas(resource);
  }

  protected scaleSpecPatch(resource: KubeObject, counts: Record<string, number>): Record<string, unknown> {
    return seldonScalePatch(resource, counts);
  }

  protected endpointOf(service: KubernetesService): ServiceEndpoint {
    return seldonEndpoint(asSeldon(service), this.settings.baseUrl);
  }

  protected logContainer(): string {
    return SELDON_GRAPH_NODE;
  }

  override getModelServerInfo(service: BaseService): Record<string, string> {
    return seldonServerInfo(asSeldon(service), this.settings.baseUrl);
  }
}

function asSeldon(service: BaseService): SeldonDeploymentService {
  if (service instanceof SeldonDeploymentService) return service;
  throw new ZenmlError(`service ${service.uuid} is a ${service.type} service, not a SeldonDeployment`, { code: 'WRONG_SERVICE_TYPE' });
}
