/**
 * What every flavor that keeps its model servers as custom resources in a cluster shares: the service
 * lives on the resource (labels to select, an annotation to rebuild it), its state is read from the
 * resource every time, stop/start scale to 0 and back, delete waits until the resource is gone.
 * A component sees only the resources it made (kube-labels.ts: the component label), a deploy refuses
 * a model URI no pod can read, `--replace` keeps the service settings it is not given again, and every
 * API call of a lifecycle command retries a throttling API server only within that command's timeout.
 * A flavor supplies the kind, a pure manifest builder, a status reader and how to scale and find pods.
 */
import {
  BaseModelDeployer,
  DEFAULT_DEPLOYMENT_START_STOP_TIMEOUT,
  type DeployOptions,
  type LogOptions,
  type StartOptions,
  type StopOptions,
} from '../../deployers/base-model-deployer.js';
import type { ServiceFilter } from '../../deployers/service-filter.js';
import { waitForServiceState } from '../../deployers/wait-for-state.js';
import { NotFoundError, ZenmlError } from '../../errors.js';
import type { BaseService, ServiceInit } from '../../services/base-service.js';
import type { ServiceConfig, ServiceConfigInput } from '../../services/service-config.js';
import { ServiceState, type ServiceEndpoint } from '../../services/service-status.js';
import { KubeClient, type KubeObject, type PodSummary } from './kube-client.js';
import { checkClusterModelUri } from './cluster-model-uri.js';
import { keepServiceSettings } from './kept-settings.js';
import { withDeadline } from './kube-retry.js';
import {
  componentLabelValue,
  COMPONENT_LABEL,
  labelSelector,
  ownedBy,
  ownerOf,
  readReplicasAnnotation,
  readServiceAnnotation,
  REPLICAS_ANNOTATION,
  replicasAnnotationValue,
} from './kube-labels.js';
import type { KubernetesSettings } from './kube-settings.js';
import { mergePatchFor } from './merge-patch.js';
import { mergeLines } from './merge-lines.js';
import type { CustomResourceKind } from './resource-kind.js';
import { KubernetesService } from './kubernetes-service.js';

/** A state read from a resource, and why it failed when it did. */
export interface ResourceState {
  state: ServiceState;
  lastError: string;
}

/** Where a flavor's resources go, and which component owns them: used by the pure manifest builders. */
export interface ManifestTarget {
  name: string;
  namespace: string;
  /** The deployer component's name (labelled and annotated by managedMetadata). */
  component: string;
}

/** The name of a service's resource: valid DNS-1123 (lowercase, digits, '-', at most 63). */
export function resourceNameFor(uuid: string): string {
  return `zenml-${uuid.toLowerCase()}`;
}

/** Base class of the Kubernetes flavors (seldon, kserve). */
export abstract class KubernetesModelDeployer<S extends KubernetesSettings = KubernetesSettings> extends BaseModelDeployer<S> {
  private clientPromise?: Promise<KubeClient>;

  // ---- what a flavor supplies ---------------------------------------------------------------

  /** The custom resource kind of this flavor. */
  protected abstract get resourceKind(): CustomResourceKind;
  /** A service object of this flavor's class. */
  protected abstract newService(init: ServiceInit): KubernetesService;
  /**
   * The full resource for a service (pure; metadata from kube-labels' managedMetadata). Validates the config. `live`
   * is the resource a `--replace` patches (a flavor whose new spec depends on the running one: KServe's canary).
   */
  protected abstract buildManifest(service: KubernetesService, target: ManifestTarget, live?: KubeObject): KubeObject;
  /**
   * The states of resources that are neither deleting nor stopped, read as their controller means them: a flavor
   * whose controller's status is not enough (stale right after an update) also reads the Deployments and pods the
   * controller made, once for the whole batch.
   */
  protected abstract readResourceStates(resources: KubeObject[], client: KubeClient): Promise<ResourceState[]>;
  /** The label selector of the Deployments and pods the controller makes for the resource called `name`. */
  protected abstract workloadSelector(name: string): string;
  /** Facts read from the resource each time (implementation, replicas, …), merged into `extra`. */
  protected abstract liveFacts(resource: KubeObject): Record<string, unknown>;
  /** The replica count of every scalable part of the resource, by name. */
  protected abstract readReplicas(resource: KubeObject): Record<string, number>;
  /** The merge patch of the spec that sets these replica counts. */
  protected abstract scaleSpecPatch(resource: KubeObject, counts: Record<string, number>): Record<string, unknown>;
  /** The prediction and health URLs of a service. */
  protected abstract endpointOf(service: KubernetesService): ServiceEndpoint;
  /** The container of a service's pods that holds its logs. */
  protected abstract logContainer(service: KubernetesService): string;
  /** `-c` keys that describe one rollout, not the server: `deploy --replace` never keeps them (default: none). */
  protected replaceDropsSettings(): readonly string[] {
    return [];
  }

  // ---- cluster access -----------------------------------------------------------------------

  /** The connected client (kubeconfig read once per deployer). */
  protected client(): Promise<KubeClient> {
    this.clientPromise ??= KubeClient.connect(this.settings, this.context.configDir);
    return this.clientPromise;
  }

  /** The service stored on a resource, with the state given and live facts read from it; undefined (and a warning) when it carries none. */
  protected serviceFromResource(resource: KubeObject, client: KubeClient, { state, lastError }: ResourceState): KubernetesService | undefined {
    const stored = readServiceAnnotation(resource.metadata);
    if (typeof stored === 'string') {
      this.context.log(`warning: skipping ${this.resourceKind.kind} '${resource.metadata.name}': ${stored}`);
      return undefined;
    }
    const service = this.newService({
      uuid: stored.uuid,
      config: stored.config,
      flavor: stored.flavor || this.flavor,
      createdAt: stored.createdAt,
      updatedAt: stored.updatedAt,
      status: { state, lastError, lastStateChange: stored.updatedAt },
      extra: {
        ...stored.extra,
        ...this.liveFacts(resource),
        resourceName: resource.metadata.name,
        namespace: resource.metadata.namespace ?? client.namespace,
        context: client.context,
        generation: resource.metadata.generation ?? 0,
        owner: ownerOf(resource.metadata),
      },
    });
    service.endpoint = this.endpointOf(service);
    return service;
  }

  /** The services stored on resources, each with its state read now (one batch of reads for all). */
  protected async servicesFromResources(resources: KubeObject[], client: KubeClient): Promise<KubernetesService[]> {
    const states = await this.statesOf(resources, client);
    return resources.map((r, i) => this.serviceFromResource(r, client, states[i]!)).filter((s): s is KubernetesService => s !== undefined);
  }

  /** servicesFromResources for one resource. */
  protected async serviceOf(resource: KubeObject, client: KubeClient): Promise<KubernetesService | undefined> {
    return (await this.servicesFromResources([resource], client))[0];
  }

  /** Deleting, then stopped by zenml, then what the flavor reads (for the rest, in one batch). */
  private async statesOf(resources: KubeObject[], client: KubeClient): Promise<ResourceState[]> {
    const states: (ResourceState | undefined)[] = resources.map((r) => {
      if (r.metadata.deletionTimestamp) return { state: ServiceState.PENDING_SHUTDOWN, lastError: '' };
      if (this.isStoppedResource(r)) return { state: ServiceState.INACTIVE, lastError: '' };
      return undefined;
    });
    const rest = resources.filter((_, i) => states[i] === undefined);
    const read = rest.length ? await this.readResourceStates(rest, client) : [];
    let next = 0;
    return states.map((s) => s ?? read[next++]!);
  }

  // ---- stop control: scale to 0 by default; a flavor with its own stop switch overrides the three -----

  /** Whether zenml stopped this resource (default: every part at 0 replicas and the replica annotation). */
  protected isStoppedResource(resource: KubeObject): boolean {
    const remembered = readReplicasAnnotation(resource.metadata);
    return Boolean(remembered) && Object.values(this.readReplicas(resource)).every((n) => n === 0);
  }

  /** The patch that stops a live resource, or undefined when it is stopped already (default: scale to 0, remembering the counts). */
  protected stopPatch(live: KubeObject): Record<string, unknown> | undefined {
    const counts = this.readReplicas(live);
    const zeros = Object.fromEntries(Object.keys(counts).map((k) => [k, 0]));
    const remembered = readReplicasAnnotation(live.metadata);
    if (remembered && Object.values(counts).every((n) => n === 0)) return undefined;
    return {
      metadata: { annotations: { [REPLICAS_ANNOTATION]: replicasAnnotationValue(remembered && Object.keys(remembered).length ? remembered : counts) } },
      spec: this.scaleSpecPatch(live, zeros),
    };
  }

  /** The patch that starts a stopped resource, or undefined when it is not stopped (default: the remembered counts, 1 for a part the annotation does not name). */
  protected startPatch(live: KubeObject): Record<string, unknown> | undefined {
    const remembered = readReplicasAnnotation(live.metadata);
    if (!remembered) return undefined;
    const counts = Object.fromEntries(Object.keys(this.readReplicas(live)).map((k) => [k, remembered[k] ?? remembered['*'] ?? 1]));
    return { metadata: { annotations: { [REPLICAS_ANNOTATION]: null } }, spec: this.scaleSpecPatch(live, counts) };
  }

  /** What an update clears from the annotations besides writing the service (default: the stop's replica memory). */
  protected updateClearsAnnotations(): string[] {
    return [REPLICAS_ANNOTATION];
  }

  /** The resource of a new or updated service in the client's namespace. */
  protected manifestFor(service: KubernetesService, client: KubeClient, live?: KubeObject): KubeObject {
    return this.buildManifest(service, { name: resourceNameFor(service.uuid), namespace: client.namespace, component: this.context.name }, live);
  }

  private async waitFor(service: BaseService, states: string[], timeout: number): Promise<BaseService> {
    return waitForServiceState(this, service, states, timeout);
  }

  // ---- the shared rules, bounded by the command's timeout --------------------------------------

  /** Run a lifecycle command so that its API calls retry a throttling server only within its timeout (kube-retry.ts). */
  private bounded<T>(timeout: number | undefined, work: () => Promise<T>): Promise<T> {
    return withDeadline(timeout ?? DEFAULT_DEPLOYMENT_START_STOP_TIMEOUT, work);
  }

  /** Refuse a local model path before anything talks to the cluster (exit 2), then deploy within the timeout. */
  override async deployModel(config: ServiceConfigInput, options: DeployOptions = {}): Promise<BaseService> {
    checkClusterModelUri(config.modelUri, this.flavor);
    return this.bounded(options.timeout, () => super.deployModel(config, options));
  }

  // stop, start, delete, promote, rollback: BaseModelDeployer's rules, with API retries bounded by `timeout`.
  override stopModelServer(uuid: string, options: StopOptions = {}): Promise<BaseService> {
    return this.bounded(options.timeout, () => super.stopModelServer(uuid, options));
  }

  override startModelServer(uuid: string, options: StartOptions = {}): Promise<BaseService> {
    return this.bounded(options.timeout, () => super.startModelServer(uuid, options));
  }

  override deleteModelServer(uuid: string, options: StopOptions = {}): Promise<BaseService> {
    return this.bounded(options.timeout, () => super.deleteModelServer(uuid, options));
  }

  override promoteModelServer(uuid: string, options: StartOptions = {}): Promise<BaseService> {
    return this.bounded(options.timeout, () => super.promoteModelServer(uuid, options));
  }

  override rollbackModelServer(uuid: string, options: StartOptions = {}): Promise<BaseService> {
    return this.bounded(options.timeout, () => super.rollbackModelServer(uuid, options));
  }

  /** The component that made a service's resource (null: none, made by an older zenml or by hand). */
  override ownerOf(service: BaseService): string | null {
    const owner = service.extra.owner;
    return typeof owner === 'string' ? owner : null;
  }

  /**
   * As BaseModelDeployer's; a uuid this component does not own but another does (or none) is still not
   * found, with a message that says whose it is.
   */
  override async getModelServer(idOrPrefix: string): Promise<BaseService> {
    try {
      return await super.getModelServer(idOrPrefix);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      const id = idOrPrefix.trim().toLowerCase();
      const others = (await this.listModelServers({ all: true })).filter((s) => s.uuid.startsWith(id));
      if (others.length !== 1) throw error;
      const owner = this.ownerOf(others[0]);
      const whose = owner === null ? 'has no component label (made by an older zenml, or by hand)' : `belongs to model deployer '${owner}'`;
      throw new NotFoundError(`model server ${others[0].uuid} is not one of model deployer '${this.context.name}': its ${this.resourceKind.kind} ${whose}`, {
        code: error.code,
        suggestion:
          owner === null
            ? `to adopt it: kubectl label ${this.resourceKind.plural}.${this.resourceKind.group} ${resourceNameFor(others[0].uuid)} -n ${others[0].extra.namespace} ${COMPONENT_LABEL}=${componentLabelValue(this.context.name)}`
            : `use --deployer ${owner} (a component of that name on any machine, for this cluster and namespace)`,
        // Not `uuid`: the CLI would then add "no component named <uuid>" to a message that already says what it is.
        details: { service: others[0].uuid, deployer: this.context.name, owner },
      });
    }
  }

  // ---- BaseModelDeployer hooks --------------------------------------------------------------

  protected async performDeployModel(uuid: string, config: ServiceConfig, timeout: number): Promise<BaseService> {
    const client = await this.client();
    const service = this.newService({ uuid, config, flavor: this.flavor, status: { state: ServiceState.PENDING_STARTUP } });
    const created = await client.create(this.resourceKind, this.manifestFor(service, client));
    this.context.log(`created ${this.resourceKind.kind} '${created.metadata.name}' in namespace '${client.namespace}' (context '${client.context}')`);
    return this.waitFor((await this.serviceOf(created, client)) ?? service, [ServiceState.ACTIVE], timeout);
  }

  /**
   * Continuous deployment: the same resource (same name, same uuid) gets the new spec as a merge patch
   * guarded by its resourceVersion; the API server bumps its generation and the operator rolls it.
   */
  protected override async performUpdateModel(service: BaseService, config: ServiceConfig, timeout: number): Promise<BaseService> {
    const client = await this.client();
    const current = asKubernetes(service);
    const kept = keepServiceSettings(current.config, config, this.replaceDropsSettings());
    const next = this.newService({ uuid: current.uuid, config: kept, flavor: this.flavor, createdAt: current.createdAt, extra: current.storedExtra() });
    // Built from the live resource (a bad -c value throws before any patch is sent: nothing changes).
    const updated = await client.modify(this.resourceKind, resourceNameFor(next.uuid), (live) => {
      const desired = this.manifestFor(next, client, live);
      return {
        metadata: {
          labels: mergePatchFor(ownLabels(live.metadata.labels, desired.metadata.labels), desired.metadata.labels ?? {}),
          annotations: { ...desired.metadata.annotations, ...Object.fromEntries(this.updateClearsAnnotations().map((k) => [k, null])) },
        },
        spec: mergePatchFor(live.spec ?? {}, desired.spec ?? {}),
      };
    });
    this.context.log(`updated ${this.resourceKind.kind} '${updated.metadata.name}' (generation ${updated.metadata.generation ?? '?'})`);
    return this.waitFor((await this.serviceOf(updated, client)) ?? next, [ServiceState.ACTIVE], timeout);
  }

  /** Stop through the flavor's stop patch (a second stop changes nothing). */
  protected async performStopModel(service: BaseService, _timeout: number, _force: boolean): Promise<BaseService> {
    const client = await this.client();
    const name = resourceNameFor(service.uuid);
    const updated = await client.modify(this.resourceKind, name, (live) => this.stopPatch(live));
    this.context.log(`stopped ${this.resourceKind.kind} '${name}'`);
    return (await this.serviceOf(updated, client)) ?? service;
  }

  /** Start again through the flavor's start patch. */
  protected async performStartModel(service: BaseService, _timeout: number): Promise<BaseService> {
    const client = await this.client();
    const name = resourceNameFor(service.uuid);
    const updated = await client.modify(this.resourceKind, name, (live) => this.startPatch(live));
    this.context.log(`started ${this.resourceKind.kind} '${name}' again`);
    return (await this.serviceOf(updated, client)) ?? service;
  }

  /**
   * Delete the resource in the foreground (`force`: grace period 0) and wait, within `timeout`, until the API server
   * has neither it nor the Deployments and pods its controller made; a timeout says what is left.
   */
  protected async performDeleteModel(service: BaseService, timeout: number, force: boolean): Promise<void> {
    const client = await this.client();
    const name = resourceNameFor(service.uuid);
    await client.delete(this.resourceKind, name, { force });
    this.context.log(`deleting ${this.resourceKind.kind} '${name}' and what it owns`);
    if (timeout > 0) await client.waitUntilGone(this.resourceKind, name, timeout, this.workloadSelector(name));
  }

  /**
   * This component's services in the namespace (`filter.all`: every zenml service there, whoever made
   * it), rebuilt from the resources alone; the filter narrows server-side by labels.
   */
  async listModelServers(filter?: ServiceFilter): Promise<BaseService[]> {
    const client = await this.client();
    const component = filter?.all ? undefined : this.context.name;
    const resources = await client.list(this.resourceKind, labelSelector(filter, component));
    return this.servicesFromResources(resources.filter((r) => component === undefined || ownedBy(r.metadata, component)), client);
  }

  /** One service re-read from its resource (one GET instead of a listing, while waiting for a state). */
  override async refreshModelServer(service: BaseService): Promise<BaseService> {
    const client = await this.client();
    const resource = await client.get(this.resourceKind, resourceNameFor(service.uuid));
    const fresh = resource && (await this.serviceOf(resource, client));
    if (!fresh) throw new NotFoundError(`model server ${service.uuid} disappeared: ${this.resourceKind.kind} '${resourceNameFor(service.uuid)}' is gone`);
    return fresh;
  }

  /** The container logs of every pod of the service; several pods are prefixed with their name. */
  async *getModelServerLogs(uuid: string, options: LogOptions = {}): AsyncIterable<string> {
    const service = asKubernetes(await this.getModelServer(uuid));
    const client = await this.client();
    const selector = this.workloadSelector(service.kubernetes.resourceName);
    const container = this.logContainer(service);
    const listed = await client.listPods(selector);
    if (listed.length === 0) {
      throw new NotFoundError(`no pod of ${this.resourceKind.kind} '${service.kubernetes.resourceName}' yet (model server ${service.uuid} is ${service.status.state}; pods are selected by ${selector})`, {
        code: 'NO_PODS',
        suggestion: service.isStopped ? 'it is stopped: start it first' : 'wait for the operator to create its pods, then retry',
      });
    }
    // Pods without logs yet (not scheduled, container not started) are named, not asked: the API server
    // would answer with an empty body or the kubelet's 400.
    const reasons = listed.map((p) => p.noLogsReason(container)).filter(Boolean);
    const pods = listed.filter((p) => !p.noLogsReason(container));
    if (pods.length === 0) {
      throw new NotFoundError(reasons.join('; '), { code: 'NO_LOGS', suggestion: 'wait until its pods run (`zenml model-deployer describe` shows the state), then retry' });
    }
    for (const reason of reasons) this.context.log(`warning: ${reason}`);
    const opts = { tail: options.tail, follow: options.follow, signal: options.signal };
    // Prefixed as soon as the service has several pods, readable or not, so the output's shape does not change as they start.
    if (listed.length === 1) {
      yield* client.logLines(pods[0], container, opts);
      return;
    }
    const prefixed = (pod: PodSummary) => prefix(`[${pod.name}] `, client.logLines(pod, container, opts));
    if (options.follow) yield* mergeLines(pods.map(prefixed));
    else for (const pod of pods) yield* prefixed(pod);
  }
}

async function* prefix(text: string, lines: AsyncIterable<string>): AsyncIterable<string> {
  for await (const line of lines) yield `${text}${line}`;
}

/** Of a resource's labels, the ones zenml writes (so a patch never drops another controller's labels). */
function ownLabels(live: Record<string, string> | undefined, desired: Record<string, string> | undefined): Record<string, string> {
  const own: Record<string, string> = {};
  for (const [key, value] of Object.entries(live ?? {})) if (key.startsWith('zenml.io/') || key in (desired ?? {})) own[key] = value;
  return own;
}

function asKubernetes(service: BaseService): KubernetesService {
  if (service instanceof KubernetesService) return service;
  throw new ZenmlError(`service ${service.uuid} is a ${service.type} service, not a Kubernetes model server`, { code: 'WRONG_SERVICE_TYPE' });
}
