/** The record of one InferenceService created by the `kserve` deployer. */
import { KubernetesService, LIVE_KEYS } from '../kubernetes/kubernetes-service.js';
import { registerServiceType } from '../../services/service-registry.js';

/** What the kserve flavor reads from the resource each time (besides name, namespace, context, generation). */
export interface KserveLiveFacts {
  /** status.url: where KServe exposes the service (empty until it is ready). */
  url: string;
  modelFormat: string;
  runtime: string;
  protocol: string;
  liveModelUri: string;
  minReplicas?: number;
  maxReplicas?: number;
  /** The share of the traffic the canary gets (Standard mode: the sum over spec.canary[]). */
  canaryTrafficPercent?: number;
  /** Standard mode's canaries: "v2 10% s3://models/iris-v2" ('' without one). */
  canary: string;
  deploymentMode: string;
  stopped: boolean;
  latestReadyRevision: string;
  latestRolledoutRevision: string;
  previousRolledoutRevision: string;
  /** The traffic split in one line. */
  traffic: string;
  /** status.conditions in one line ("Ready=True, PredictorReady=True, ..."). */
  conditions: string;
}

const KSERVE_LIVE_KEYS = [
  'url', 'modelFormat', 'runtime', 'protocol', 'liveModelUri', 'minReplicas', 'maxReplicas', 'canaryTrafficPercent', 'canary',
  'deploymentMode', 'stopped', 'latestReadyRevision', 'latestRolledoutRevision', 'previousRolledoutRevision', 'traffic', 'conditions',
];

/** A model server that is a KServe InferenceService. */
export class InferenceServiceService extends KubernetesService {
  static override readonly SERVICE_TYPE = 'kserve-inference-service';
  static override readonly LIVE_KEYS: readonly string[] = [...LIVE_KEYS, ...KSERVE_LIVE_KEYS];

  /** The KServe facts as last read from the cluster. */
  get kserve(): KserveLiveFacts {
    const e = this.extra;
    const str = (key: string) => String(e[key] ?? '');
    const num = (key: string) => (typeof e[key] === 'number' ? (e[key] as number) : undefined);
    return {
      url: str('url'),
      modelFormat: str('modelFormat'),
      runtime: str('runtime'),
      protocol: String(e.protocol ?? 'v1'),
      liveModelUri: str('liveModelUri'),
      minReplicas: num('minReplicas'),
      maxReplicas: num('maxReplicas'),
      canaryTrafficPercent: num('canaryTrafficPercent'),
      canary: str('canary'),
      deploymentMode: str('deploymentMode'),
      stopped: e.stopped === true,
      latestReadyRevision: str('latestReadyRevision'),
      latestRolledoutRevision: str('latestRolledoutRevision'),
      previousRolledoutRevision: str('previousRolledoutRevision'),
      traffic: str('traffic'),
      conditions: str('conditions'),
    };
  }
}

registerServiceType(InferenceServiceService);
