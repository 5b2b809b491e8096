/** What an InferenceService's spec and status say, read fresh from the resource every time. */
import type { KubeObject } from '../kubernetes/kube-client.js';
import type { ResourceState } from '../kubernetes/kubernetes-deployer.js';
import { ServiceState } from '../../services/service-status.js';
import { rolloutState, type DeploymentView } from '../kubernetes/rollout-state.js';
import { SPEC_MARK_ANNOTATION } from '../kubernetes/spec-mark.js';
import type { ResourceWorkloads } from '../kubernetes/workloads.js';
import { CONTROLLER_SILENCE_MS, silentForMs } from '../kubernetes/controller-silence.js';
import { describeConditions, type KubeCondition as Condition } from '../kubernetes/kube-conditions.js';
import { canariesOf, expectedPredictorDeployments, predictorDeploymentName, predictorOf } from './kserve-canary.js';
import { KSERVE_DEPLOYMENT_MODE_ANNOTATION, KSERVE_STOP_ANNOTATION } from './kserve-kind.js';

/** One entry of the predictor's traffic split (Knative's TrafficTarget). */
export interface TrafficTarget {
  revisionName?: string;
  percent?: number;
  tag?: string;
  latestRevision?: boolean;
}

/** The predictor's revisions as KServe reports them in status.components.predictor. */
export interface PredictorRevisions {
  latestCreatedRevision: string;
  latestReadyRevision: string;
  latestRolledoutRevision: string;
  previousRolledoutRevision: string;
  traffic: TrafficTarget[];
}

/** Whether the InferenceService carries KServe's stop annotation set to "true". */
export function isKserveStopped(resource: KubeObject): boolean {
  return resource.metadata.annotations?.[KSERVE_STOP_ANNOTATION] === 'true';
}

/** KServe's deployment modes by their 0.20 names; the old names (Serverless, RawDeployment) read as these. */
export type KserveMode = 'Standard' | 'Knative';

/** The mode an InferenceService runs in: its annotation (set by KServe's defaulting webhook), else its status, else Knative. */
export function kserveModeOf(resource: KubeObject): KserveMode {
  const mode = resource.metadata.annotations?.[KSERVE_DEPLOYMENT_MODE_ANNOTATION] ?? (resource.status as { deploymentMode?: string } | undefined)?.deploymentMode;
  return mode === 'Standard' || mode === 'RawDeployment' ? 'Standard' : 'Knative';
}

/**
 * An InferenceService's state, as KServe means it (pkg/apis/serving/v1beta1/inference_service_status.go, v0.20.0).
 * Standard mode: KServe's Ready follows the predictor Deployments' conditions and its observedGeneration is the
 * Deployment's, not the InferenceService's (PropagateRawStatus), so a deploy, replace, start, promote or rollback is
 * read from the Deployments themselves: exactly the ones the spec asks for (the stable predictor and each canary,
 * kserve-canary.ts), each carrying the current spec mark and rolled out (rollout-state.ts); with a canary, KServe's
 * CanaryPredictorReady too (reconcileCanaryDeployments in pkg/controller/v1beta1/inferenceservice/components/predictor.go).
 * A model KServe cannot serve (modelStatus.transitionStatus InvalidSpec or BlockedByFailedLoad) is an error with its
 * lastFailureInfo. Knative mode (no Deployments of KServe's own), or an identity that may not list Deployments: the
 * Ready condition.
 */
export function readKserveStateWith(resource: KubeObject, workloads: ResourceWorkloads | undefined, now = Date.now()): ResourceState {
  const status = (resource.status ?? {}) as { conditions?: Condition[]; modelStatus?: { transitionStatus?: string; lastFailureInfo?: { reason?: string; message?: string } } };
  const model = status.modelStatus;
  if (model?.transitionStatus === 'InvalidSpec' || model?.transitionStatus === 'BlockedByFailedLoad') {
    const info = model.lastFailureInfo;
    return { state: ServiceState.ERROR, lastError: `${model.transitionStatus}${info?.reason ? `: ${info.reason}` : ''}${info?.message ? `: ${info.message}` : ''}` };
  }
  const silentFor = silentForMs(resource, now);
  const silent = silentFor >= CONTROLLER_SILENCE_MS;
  const silence = (what: string) => `${what} after ${Math.round(silentFor / 1000)} s: is the KServe controller running?`;
  if (!status.conditions?.length) {
    return { state: ServiceState.PENDING_STARTUP, lastError: silent ? silence('the InferenceService has no status from KServe') : 'waiting for the KServe controller' };
  }
  const standard = kserveModeOf(resource) === 'Standard';
  if (!standard || !workloads) return readKserveState(resource, !standard);
  const pending = (what: string, ifSilent: string): ResourceState => ({ state: ServiceState.PENDING_STARTUP, lastError: silent ? silence(ifSilent) : what });
  const expected = expectedPredictorDeployments(resource);
  const live = workloads.deployments.filter((d) => !d.metadata.deletionTimestamp);
  const extra = workloads.deployments.filter((d) => !expected.includes(d.metadata.name));
  if (extra.length > 0) return pending(`waiting for KServe to remove ${list(extra.map((d) => d.metadata.name))}`, `KServe has not removed ${list(extra.map((d) => d.metadata.name))}`);
  const missing = expected.filter((name) => !live.some((d) => d.metadata.name === name));
  // A fresh deploy names its Deployment only once KServe made it (rolloutState's "none yet").
  if (missing.length > 0 && live.length > 0) return pending(`waiting for KServe to create ${list(missing)}`, `KServe has not created ${list(missing)}`);
  const mark = resource.metadata.annotations?.[SPEC_MARK_ANNOTATION];
  const stale = live.filter((d) => mark && d.metadata.annotations?.[SPEC_MARK_ANNOTATION] !== mark);
  if (stale.length > 0) {
    return pending(`waiting for KServe to apply the current spec to ${list(stale.map((d) => d.metadata.name))}`, 'KServe has not applied the current spec to its Deployments');
  }
  const podsOf = (d: DeploymentView) => workloads.pods.filter((p) => p.metadata.labels?.app === d.metadata.labels?.app);
  const rollout = rolloutState(live, podsOf, silent ? silence('KServe has made no predictor Deployment') : 'waiting for KServe to create the predictor Deployment');
  if (rollout.state !== ServiceState.ACTIVE) return rollout;
  if (canariesOf(resource).length > 0) {
    const canary = status.conditions.find((c) => c.type === 'CanaryPredictorReady');
    if (canary?.status !== 'True') return { state: ServiceState.PENDING_STARTUP, lastError: `KServe reports ${describeCondition('CanaryPredictorReady', canary)}` };
  }
  const ready = status.conditions.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return { state: ServiceState.PENDING_STARTUP, lastError: `KServe reports ${describeCondition('Ready', ready)}` };
  return { state: ServiceState.ACTIVE, lastError: '' };
}

function list(names: string[]): string {
  return names.map((n) => `Deployment ${n}`).join(', ');
}

function describeCondition(type: string, c: Condition | undefined): string {
  return `${type} ${c?.status ?? 'missing'}${c?.reason ? `: ${c.reason}` : ''}${c?.message ? `: ${c.message}` : ''}`;
}

/**
 * The Ready condition as a service state: True -> active; False with a reason -> error with the message (a "Stopped"
 * left over from before a start is pending: the controller has not caught up); otherwise (Unknown, no condition
 * yet, or, with `guardGeneration`, a status written for an older generation) pending_startup. The guard is for
 * Knative mode only: in Standard mode KServe writes the Deployment's observedGeneration there (PropagateRawStatus).
 * (Stopped by the annotation and deleting are read before this.)
 */
export function readKserveState(resource: KubeObject, guardGeneration = true): ResourceState {
  const status = (resource.status ?? {}) as { conditions?: Condition[]; observedGeneration?: number };
  const generation = resource.metadata.generation;
  if (guardGeneration && typeof status.observedGeneration === 'number' && typeof generation === 'number' && status.observedGeneration < generation) {
    return { state: ServiceState.PENDING_STARTUP, lastError: `waiting for KServe to observe generation ${generation}` };
  }
  const ready = (status.conditions ?? []).find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return { state: ServiceState.ACTIVE, lastError: '' };
  if (ready?.status === 'False' && ready.reason && ready.reason !== 'Stopped') {
    return { state: ServiceState.ERROR, lastError: ready.message ? `${ready.reason}: ${ready.message}` : ready.reason };
  }
  return { state: ServiceState.PENDING_STARTUP, lastError: ready ? `KServe reports ${describeCondition('Ready', ready)}` : '' };
}

/** status.components.predictor, with empty strings for what KServe has not written. */
export function predictorRevisions(resource: KubeObject): PredictorRevisions {
  const p = ((resource.status as { components?: { predictor?: Record<string, unknown> } } | undefined)?.components?.predictor ?? {}) as Record<string, unknown>;
  const str = (key: string) => (typeof p[key] === 'string' ? (p[key] as string) : '');
  return {
    latestCreatedRevision: str('latestCreatedRevision'),
    latestReadyRevision: str('latestReadyRevision'),
    latestRolledoutRevision: str('latestRolledoutRevision'),
    previousRolledoutRevision: str('previousRolledoutRevision'),
    traffic: Array.isArray(p.traffic) ? (p.traffic as TrafficTarget[]) : [],
  };
}

/**
 * The revision a rollback returns to: while a canary runs, the rolled-out one still serving the rest;
 * after a full rollout, the one rolled out before it. Empty when there is none.
 */
export function rollbackTarget(resource: KubeObject): string {
  const r = predictorRevisions(resource);
  if (r.latestRolledoutRevision && r.latestRolledoutRevision !== r.latestReadyRevision) return r.latestRolledoutRevision;
  return r.previousRolledoutRevision;
}

/** "rev-2 10% (latest), rev-1 90%": the traffic split in one line. */
export function describeTraffic(traffic: TrafficTarget[]): string {
  return traffic.map((t) => `${t.revisionName ?? '?'} ${t.percent ?? 0}%${t.latestRevision ? ' (latest)' : ''}`).join(', ');
}

/**
 * Format, runtime, protocol, replicas, canary, URL and revisions as the resource has them now: the canary from the
 * spec (Standard mode: spec.canary[] and its share of the traffic; Knative mode: canaryTrafficPercent and Knative's
 * traffic split), so a promote or rollback (which patch the spec only) shows at once.
 */
export function kserveLiveFacts(resource: KubeObject): Record<string, unknown> {
  const predictor = (predictorOf(resource) ?? {}) as Record<string, any>;
  const model = (predictor.model ?? {}) as Record<string, any>;
  const status = (resource.status ?? {}) as { url?: string; conditions?: unknown };
  const revisions = predictorRevisions(resource);
  const canaries = canariesOf(resource);
  const standard = kserveModeOf(resource) === 'Standard';
  const canaryShare = canaries.reduce((sum, c) => sum + (c.trafficPercent ?? 0), 0);
  const name = resource.metadata.name;
  const traffic = standard
    ? canaries.length
      ? [`${predictorDeploymentName(name, predictor.name)} ${100 - canaryShare}%`, ...canaries.map((c) => `${predictorDeploymentName(name, c.predictor?.name)} ${c.trafficPercent ?? 0}%`)].join(', ')
      : ''
    : describeTraffic(revisions.traffic);
  return {
    url: typeof status.url === 'string' ? status.url : '',
    modelFormat: String(model.modelFormat?.name ?? ''),
    runtime: String(model.runtime ?? ''),
    protocol: String(model.protocolVersion ?? 'v1'),
    liveModelUri: String(model.storageUri ?? ''),
    minReplicas: typeof predictor.minReplicas === 'number' ? predictor.minReplicas : undefined,
    maxReplicas: typeof predictor.maxReplicas === 'number' ? predictor.maxReplicas : undefined,
    canaryTrafficPercent: canaries.length ? canaryShare : typeof predictor.canaryTrafficPercent === 'number' ? predictor.canaryTrafficPercent : undefined,
    canary: canaries.map((c) => `${c.predictor?.name ?? '?'} ${c.trafficPercent ?? 0}% ${String((c.predictor?.model as { storageUri?: string } | undefined)?.storageUri ?? '')}`.trim()).join(', '),
    deploymentMode: resource.metadata.annotations?.[KSERVE_DEPLOYMENT_MODE_ANNOTATION] ?? '',
    stopped: isKserveStopped(resource),
    latestReadyRevision: revisions.latestReadyRevision,
    latestRolledoutRevision: revisions.latestRolledoutRevision,
    previousRolledoutRevision: revisions.previousRolledoutRevision,
    traffic,
    // KServe's status has no replica counts (ready or desired): the page shows minReplicas..maxReplicas instead.
    conditions: describeConditions(status.conditions),
  };
}
