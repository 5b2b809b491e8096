/**
 * KServe 0.20's canary in Standard mode, read from an InferenceService's spec: `spec.canary[]` entries beside the
 * stable predictor, each a Deployment of its own named after `predictor.name` (CanarySpec and PredictorSpec.Name in
 * pkg/apis/serving/v1beta1/{inference_service,predictor}.go; the names in pkg/constants/constants.go
 * PredictorServiceName; all at tag v0.20.0).
 */
import type { KubeObject } from '../kubernetes/kube-client.js';

/** A predictor as KServe's PredictorSpec, as far as zenml reads it. */
export type Predictor = Record<string, unknown> & { name?: string };

/** One entry of spec.canary. */
export interface CanaryEntry {
  predictor: Predictor;
  trafficPercent: number;
}

/** spec.predictor of an InferenceService (undefined when it has none). */
export function predictorOf(resource: KubeObject): Predictor | undefined {
  return (resource.spec as { predictor?: Predictor } | undefined)?.predictor;
}

/** spec.canary of an InferenceService ([] when none). */
export function canariesOf(resource: KubeObject): CanaryEntry[] {
  const canary = (resource.spec as { canary?: CanaryEntry[] } | undefined)?.canary;
  return Array.isArray(canary) ? canary : [];
}

/** The Deployment KServe makes for a predictor called `predictorName` (unnamed: `{isvc}-predictor`), as PredictorServiceName. */
export function predictorDeploymentName(isvc: string, predictorName: string | undefined): string {
  return predictorName ? `${isvc}-${predictorName}-predictor` : `${isvc}-predictor`;
}

/** The predictor Deployments the spec asks KServe for: the stable one, then one per canary. */
export function expectedPredictorDeployments(resource: KubeObject): string[] {
  const name = resource.metadata.name;
  return [predictorDeploymentName(name, predictorOf(resource)?.name), ...canariesOf(resource).map((c) => predictorDeploymentName(name, c.predictor?.name))];
}

/**
 * The name of a new canary: `v<n+1>` after the highest `v<n>` among the live predictor (unnamed: v1) and its canaries.
 * Short on purpose: KServe labels the pods `app: isvc.{isvc}-{name}-predictor`, a label value of at most 63
 * characters, which leaves 5 for the name after zenml's 42-character resource names.
 */
export function nextCanaryName(live: KubeObject): string {
  const names = [predictorOf(live)?.name, ...canariesOf(live).map((c) => c.predictor?.name)];
  const numbers = names.map((n) => (n && /^v\d+$/.test(n) ? Number(n.slice(1)) : 1));
  return `v${Math.max(1, ...numbers) + 1}`;
}
