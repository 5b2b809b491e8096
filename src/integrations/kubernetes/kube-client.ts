/**
 * The one module that talks to Kubernetes (through @kubernetes/client-node, loaded on first use so
 * `zenml --help` never pays for it). Every failure goes through translateKubeError. Two retries, both
 * client-go's: a 429/503 with Retry-After is sent again after the wait it asks for, within the command's
 * timeout (kube-retry.ts), and a 409 conflict on `modify` re-reads the object and re-applies the change.
 */
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { TimeoutError, ZenmlError } from '../../errors.js';
import { classifyKubeFailure, translateKubeError, type KubeOperation } from './kube-errors.js';
import { loadKubeTarget, type KubeTarget } from './kube-config.js';
import { retryThrottled } from './kube-retry.js';
import { podSummary, type PodSummary } from './pod-logs.js';
import { requestTimeoutMs } from './request-timeout.js';
import type { KubernetesSettings } from './kube-settings.js';
import type { DeploymentView, PodView } from './rollout-state.js';
import { apiVersionOf, type CustomResourceKind } from './resource-kind.js';

/** A Kubernetes object as this layer reads and writes it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    generation?: number;
    uid?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    /** Who wrote which fields when (server-side apply's bookkeeping, kept for every write). */
    managedFields?: { manager?: string; operation?: string; subresource?: string; time?: string }[];
  };
  spec?: any;
  status?: any;
}

export type { PodSummary } from './pod-logs.js';

/** Options of logLines. */
export interface PodLogOptions {
  tail?: number;
  follow?: boolean;
  signal?: AbortSignal;
}

const PODS = { plural: 'pods', group: '' };
const DEPLOYMENTS = { plural: 'deployments', group: 'apps' };
const NAMESPACES = { plural: 'namespaces', group: '' };
const MAX_CONFLICT_RETRIES = 5;
const PAGE_SIZE = 500;
/** Connected access to one namespace of one cluster. */
export class KubeClient {
  private constructor(
    readonly target: KubeTarget,
    private readonly custom: CustomObjectsApi,
    private readonly core: CoreV1Api,
    private readonly apps: AppsV1Api,
    private readonly lib: typeof import('./kube-lib.js'),
  ) {}

  /** Load the kubeconfig the settings name (relative paths against `configDir`) and build the API clients. */
  static async connect(settings: KubernetesSettings, configDir: string): Promise<KubeClient> {
    const target = await loadKubeTarget(settings, configDir);
    const lib = await import('./kube-lib.js');
    const kc = target.kubeConfig;
    return new KubeClient(target, kc.makeApiClient(lib.CustomObjectsApi), kc.makeApiClient(lib.CoreV1Api), kc.makeApiClient(lib.AppsV1Api), lib);
  }

  /** Per-call options: an abort signal that ends a request the server never answers. */
  private options(headers: Record<string, string> = {}) {
    const { Observable } = this.lib;
    const timeoutMs = requestTimeoutMs();
    const middleware = {
      pre: (context: { setSignal(signal: AbortSignal): void; setHeaderParam(key: string, value: string): void }) => {
        context.setSignal(AbortSignal.timeout(timeoutMs));
        for (const [key, value] of Object.entries(headers)) context.setHeaderParam(key, value);
        return new Observable(Promise.resolve(context));
      },
      post: <T>(response: T) => new Observable(Promise.resolve(response)),
    };
    return { middleware: [middleware], middlewareMergeStrategy: 'append' } as never;
  }

  /** The namespace every call works in. */
  get namespace(): string {
    return this.target.namespace;
  }

  /** The kubeconfig context in use. */
  get context(): string {
    return this.target.context;
  }

  /** The API server URL. */
  get server(): string {
    return this.target.server;
  }

  /** The loaded kubeconfig (for flavors that need another API group). */
  get kubeConfig(): KubeConfig {
    return this.target.kubeConfig;
  }

  private async call<T>(op: Omit<KubeOperation, 'namespace'>, fn: () => Promise<T>): Promise<T> {
    try {
      return await retryThrottled(fn);
    } catch (error) {
      throw translateKubeError(error, { ...op, namespace: this.namespace }, this.target);
    }
  }

  private coords(kind: CustomResourceKind) {
    return { group: kind.group, version: kind.version, plural: kind.plural, namespace: this.namespace };
  }

  /** The object called `name`, or undefined when there is none (a missing kind or namespace still throws). */
  async get(kind: CustomResourceKind, name: string): Promise<KubeObject | undefined> {
    try {
      return (await retryThrottled(() => this.custom.getNamespacedCustomObject({ ...this.coords(kind), name }, this.options()))) as KubeObject;
    } catch (error) {
      if (classifyKubeFailure(error).type === 'object-missing') return undefined;
      throw translateKubeError(error, { verb: 'get', resource: kind, namespace: this.namespace, name }, this.target);
    }
  }

  /** Create an object (apiVersion and kind filled in from `kind`). */
  async create(kind: CustomResourceKind, body: KubeObject): Promise<KubeObject> {
    const full = { ...body, apiVersion: apiVersionOf(kind), kind: kind.kind };
    return this.call({ verb: 'create', resource: kind, name: body.metadata.name }, async () =>
      (await this.custom.createNamespacedCustomObject({ ...this.coords(kind), body: full }, this.options())) as KubeObject,
    );
  }

  /**
   * Every object matching the label selector, all pages. An empty answer is checked against the
   * namespace: listing a namespace that does not exist is not an error for the API server, but it is one here.
   */
  async list(kind: CustomResourceKind, labelSelector: string): Promise<KubeObject[]> {
    const items: KubeObject[] = [];
    let next: string | undefined;
    do {
      const page = await this.call({ verb: 'list', resource: kind }, () =>
        this.custom.listNamespacedCustomObject({ ...this.coords(kind), labelSelector, limit: PAGE_SIZE, _continue: next }, this.options()),
      );
      items.push(...((page?.items ?? []) as KubeObject[]));
      next = page?.metadata?.continue || undefined;
    } while (next);
    if (items.length === 0) await this.checkNamespace();
    return items;
  }

  /** Throws NotFoundError when the namespace is missing; says nothing when the identity may not read namespaces. */
  async checkNamespace(): Promise<void> {
    try {
      await retryThrottled(() => this.core.readNamespace({ name: this.namespace }, this.options()));
    } catch (error) {
      const failure = classifyKubeFailure(error);
      if (failure.type === 'object-missing' || failure.type === 'namespace-missing') {
        throw translateKubeError({ code: 404, body: { details: { kind: 'namespaces' } } }, { verb: 'get', resource: NAMESPACES, namespace: this.namespace }, this.target);
      }
      if (failure.type === 'forbidden' || failure.type === 'unauthorized') return;
      throw translateKubeError(error, { verb: 'get', resource: NAMESPACES, namespace: this.namespace, name: this.namespace }, this.target);
    }
  }

  /** Apply a JSON merge patch (RFC 7386) to an object. */
  async patch(kind: CustomResourceKind, name: string, patch: unknown): Promise<KubeObject> {
    const options = this.options({ 'Content-Type': this.lib.PatchStrategy.MergePatch });
    return this.call({ verb: 'patch', resource: kind, name }, async () =>
      (await this.custom.patchNamespacedCustomObject({ ...this.coords(kind), name, body: patch }, options)) as KubeObject,
    );
  }

  /**
   * Read an object, compute a merge patch from it and apply it guarded by the resourceVersion read, so a
   * concurrent writer makes the API server answer 409; then read again and recompute (the only retry).
   * `change` returning undefined means nothing to do.
   */
  async modify(
    kind: CustomResourceKind,
    name: string,
    change: (current: KubeObject) => Record<string, any> | undefined | Promise<Record<string, any> | undefined>,
  ): Promise<KubeObject> {
    for (let attempt = 0; ; attempt += 1) {
      const current = await this.get(kind, name);
      if (!current) {
        throw translateKubeError({ code: 404, body: { details: { name } } }, { verb: 'patch', resource: kind, namespace: this.namespace, name }, this.target);
      }
      const patch = await change(current);
      if (!patch) return current;
      const guarded = { ...patch, metadata: { ...(patch.metadata ?? {}), resourceVersion: current.metadata.resourceVersion } };
      try {
        return await this.patch(kind, name, guarded);
      } catch (error) {
        const conflict = error instanceof ZenmlError && error.code === 'KUBERNETES_CONFLICT';
        if (!conflict || attempt >= MAX_CONFLICT_RETRIES) throw error;
      }
    }
  }

  /**
   * Ask for deletion; `force` sets grace period 0. An object already gone is fine. Foreground propagation: the
   * object stays (with the foregroundDeletion finalizer) until the garbage collector has deleted what it owns.
   */
  async delete(kind: CustomResourceKind, name: string, options: { force?: boolean } = {}): Promise<void> {
    try {
      await retryThrottled(() =>
        this.custom.deleteNamespacedCustomObject({
          ...this.coords(kind),
          name,
          propagationPolicy: 'Foreground',
          ...(options.force ? { gracePeriodSeconds: 0 } : {}),
        }, this.options()),
      );
    } catch (error) {
      if (classifyKubeFailure(error).type === 'object-missing') return;
      throw translateKubeError(error, { verb: 'delete', resource: kind, namespace: this.namespace, name }, this.target);
    }
  }

  /**
   * Poll until the object is gone and, with `dependents` (a label selector), until no Deployment or pod it selects is
   * left either; TimeoutError (exit 4) after `timeout` seconds, naming what is left.
   */
  async waitUntilGone(kind: CustomResourceKind, name: string, timeout: number, dependents?: string): Promise<void> {
    const deadline = Date.now() + timeout * 1000;
    for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
      const current = await this.get(kind, name);
      const deployments = !current && dependents ? await this.listDeployments(dependents) : [];
      const pods = !current && dependents && deployments.length === 0 ? await this.listPodViews(dependents) : [];
      if (!current && deployments.length === 0 && pods.length === 0) return;
      if (Date.now() >= deadline) {
        const finalizers = (current?.metadata as { finalizers?: string[] } | undefined)?.finalizers ?? [];
        const left = current
          ? `${kind.kind} '${name}' in namespace '${this.namespace}' was still there`
          : `${kind.kind} '${name}' is gone, but ${[...deployments.map((d) => `Deployment '${d.metadata.name}'`), ...pods.map((p) => `pod '${p.metadata.name}'`)].join(', ')} ${deployments.length + pods.length > 1 ? 'were' : 'was'} still there`;
        throw new TimeoutError(`${left} after ${timeout}s`, {
          suggestion: finalizers.length
            ? `it waits for finalizers: ${finalizers.join(', ')}${finalizers.includes('foregroundDeletion') ? ' (the garbage collector deletes what it owns first)' : ''}`
            : 'retry with a longer --timeout, or --force',
          details: { name, namespace: this.namespace, finalizers, deployments: deployments.map((d) => d.metadata.name), pods: pods.map((p) => p.metadata.name) },
        });
      }
      await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    }
  }

  /** The Deployments matching a label selector, as the API server has them (for their rollout state). */
  async listDeployments(labelSelector: string): Promise<DeploymentView[]> {
    const list = await this.call({ verb: 'list', resource: DEPLOYMENTS }, () => this.apps.listNamespacedDeployment({ namespace: this.namespace, labelSelector }, this.options()));
    return list.items.map((d) => ({ ...d, metadata: { ...d.metadata, name: d.metadata?.name ?? '' } }) as DeploymentView);
  }

  private async rawPods(labelSelector: string) {
    return (await this.call({ verb: 'list', resource: PODS }, () => this.core.listNamespacedPod({ namespace: this.namespace, labelSelector }, this.options()))).items;
  }

  /** The pods matching a label selector with their phase and container states (for their failures). */
  async listPodViews(labelSelector: string): Promise<PodView[]> {
    return (await this.rawPods(labelSelector)).map((p) => ({ ...p, metadata: { ...p.metadata, name: p.metadata?.name ?? '' } }) as unknown as PodView);
  }

  /** The pods matching a label selector, oldest first. */
  async listPods(labelSelector: string): Promise<PodSummary[]> {
    return (await this.rawPods(labelSelector))
      .map(podSummary)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
  }

  /** One non-streaming read of a container's log; an empty answer is an empty log. */
  private async readLog(op: Omit<KubeOperation, 'namespace'>, pod: string, container: string, tailLines: number | undefined): Promise<string> {
    return this.call(op, async () => {
      try {
        return String((await this.core.readNamespacedPodLog({ namespace: this.namespace, name: pod, container, tailLines }, this.options())) ?? '');
      } catch (error) {
        // For a pod on no node the API server answers 2xx with no body and no Content-Type, which the
        // generated client fails to parse ("Cannot parse content. No Content-Type defined."): no log lines.
        if (!(error as { code?: unknown }).code && /No Content-Type defined/.test((error as Error).message)) return '';
        throw error;
      }
    });
  }

  /**
   * A container's log lines through the API server (which asks the pod's kubelet): the last `tail`,
   * then, with `follow`, new ones until `signal` aborts or the container ends. `pod` is a name, or a
   * listed pod (its node is then named when the node serves no logs).
   */
  async *logLines(pod: string | PodSummary, container: string, options: PodLogOptions = {}): AsyncIterable<string> {
    const name = typeof pod === 'string' ? pod : pod.name;
    const op = { verb: 'get', resource: { plural: 'pods/log', group: '' }, name, node: typeof pod === 'string' ? undefined : pod.node || undefined };
    if (!options.follow) {
      yield* splitLines(await this.readLog(op, name, container, options.tail));
      return;
    }
    // The streaming reader drops the API server's error message; ask once without streaming so a pod
    // without a node or a missing container fails with the server's own words.
    await this.readLog(op, name, container, 0);
    const stream = new PassThrough();
    // The library pipes the response into `stream` and never listens for its errors; an abort (ours) or a
    // dropped connection emits one there, so catch it on the source and end the lines instead.
    stream.once('pipe', (source: NodeJS.ReadableStream) => source.on('error', () => stream.end()));
    const controller = await this.call(op, () =>
      new this.lib.Log(this.target.kubeConfig).log(this.namespace, name, container, stream, { follow: true, tailLines: options.tail }),
    );
    const abort = () => {
      controller.abort();
      stream.end();
    };
    if (options.signal?.aborted) abort();
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) yield line;
    } finally {
      options.signal?.removeEventListener('abort', abort);
      controller.abort();
    }
  }
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
