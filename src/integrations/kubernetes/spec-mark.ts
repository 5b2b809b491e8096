/**
 * A mark of the spec zenml last wrote, copied by the controller onto the Deployments it makes, so that a reader can
 * tell "the controller has acted on this spec" without an observedGeneration (Seldon Core 1.x writes none; KServe's
 * follows the Deployment underneath, not the InferenceService). Both controllers copy annotations of the resource
 * onto its Deployments: Seldon its `spec.annotations` (operator/controllers/seldondeployment_controller.go,
 * createDeploymentWithoutEngine, v1.17.1), KServe its `metadata.annotations` but for a short disallowed list
 * (pkg/controller/v1beta1/inferenceservice/components/predictor.go, v0.20.0).
 */
import { createHash } from 'node:crypto';

/** The annotation holding the mark, on the resource and (copied by the controller) on its Deployments. */
export const SPEC_MARK_ANNOTATION = 'zenml.io/spec-hash';

/**
 * The mark of a spec: a short hash of it without replica counts (stop and start change only those, and must not
 * roll the pods) and without annotations (where the mark itself lives).
 */
export function specMark(spec: unknown): string {
  const json = JSON.stringify(spec, (key, value) => (key === 'replicas' || key === 'annotations' ? undefined : value));
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
}
