/** The record of one SeldonDeployment created by the `seldon` deployer. */
import { KubernetesService, LIVE_KEYS } from '../kubernetes/kubernetes-service.js';
import { registerServiceType } from '../../services/service-registry.js';

/** What the seldon flavor reads from the resource each time (besides name, namespace, context, generation). */
export interface SeldonLiveFacts {
  implementation: string;
  image: string;
  protocol: string;
  replicas: number;
  /** Total replicas remembered by a stop (undefined when not stopped). */
  replicasBeforeStop?: number;
  liveModelUri: string;
  /** "<available>/<desired>" from status.deploymentStatus and the predictors' replicas. */
  readyReplicas: string;
  /** status.conditions in one line ("Ready=True, DeploymentsReady=True, ..."). */
  conditions: string;
}

/** A model server that is a SeldonDeployment. */
export class SeldonDeploymentService extends KubernetesService {
  static override readonly SERVICE_TYPE = 'seldon-deployment';
  static override readonly LIVE_KEYS: readonly string[] = [...LIVE_KEYS, 'implementation', 'image', 'protocol', 'replicas', 'replicasBeforeStop', 'liveModelUri', 'readyReplicas', 'conditions'];

  /** The Seldon facts as last read from the cluster. */
  get seldon(): SeldonLiveFacts {
    const e = this.extra;
    return {
      implementation: String(e.implementation ?? ''),
      image: String(e.image ?? ''),
      protocol: String(e.protocol ?? 'seldon'),
      replicas: typeof e.replicas === 'number' ? e.replicas : 0,
      replicasBeforeStop: typeof e.replicasBeforeStop === 'number' ? e.replicasBeforeStop : undefined,
      liveModelUri: String(e.liveModelUri ?? ''),
      readyReplicas: String(e.readyReplicas ?? ''),
      conditions: String(e.conditions ?? ''),
    };
  }
}

registerServiceType(SeldonDeploymentService);
