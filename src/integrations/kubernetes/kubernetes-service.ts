/** The record of a model server that lives as a custom resource in a Kubernetes cluster. */
import { BaseService } from '../../services/base-service.js';
import type { StoredService } from './kube-labels.js';

/** What every Kubernetes service reads from the cluster each time (never stored in the annotation). */
export interface KubernetesLiveFacts {
  /** The resource's name. */
  resourceName: string;
  namespace: string;
  /** The kubeconfig context it was read through. */
  context: string;
  /** metadata.generation: bumped by the API server on every spec change. */
  generation: number;
  /** The deployer component that made the resource (its component label), null for none. */
  owner: string | null;
}

/** Keys of `extra` that are read from the cluster, not stored on it. */
export const LIVE_KEYS: readonly string[] = ['resourceName', 'namespace', 'context', 'generation', 'owner'];

/** A model server backed by a Kubernetes custom resource; flavors subclass it and register the subclass. */
export class KubernetesService extends BaseService {
  static override readonly SERVICE_TYPE: string = 'kubernetes-resource';
  /** Keys of `extra` read from the cluster each time; subclasses add their flavor's (replicas, …). */
  static readonly LIVE_KEYS: readonly string[] = LIVE_KEYS;

  /** The live facts (empty when the service was never read from a cluster). */
  get kubernetes(): KubernetesLiveFacts {
    const e = this.extra;
    return {
      resourceName: String(e.resourceName ?? ''),
      namespace: String(e.namespace ?? ''),
      context: String(e.context ?? ''),
      generation: typeof e.generation === 'number' ? e.generation : 0,
      owner: typeof e.owner === 'string' ? e.owner : null,
    };
  }

  /** `extra` without the live facts: what goes into the service annotation. */
  storedExtra(): Record<string, unknown> {
    const stored = { ...this.extra };
    for (const key of (this.constructor as typeof KubernetesService).LIVE_KEYS) delete stored[key];
    return stored;
  }

  /** What the service annotation holds for this service. */
  stored(): StoredService {
    return { type: this.type, flavor: this.flavor, uuid: this.uuid, config: this.config, createdAt: this.createdAt, updatedAt: this.updatedAt, extra: this.storedExtra() };
  }
}
