/** The KServe custom resource the `kserve` flavor manages, and the names KServe gives its parts. */
import type { CustomResourceKind } from '../kubernetes/resource-kind.js';

/** `serving.kserve.io/v1beta1` InferenceService. */
export const INFERENCE_SERVICE: CustomResourceKind = {
  group: 'serving.kserve.io',
  version: 'v1beta1',
  plural: 'inferenceservices',
  kind: 'InferenceService',
  notInstalled: {
    message: 'KServe is not installed in this cluster',
    suggestion: 'install KServe (its InferenceService CRD and controller), or point kubernetesContext at a cluster that has it',
  },
};

/** KServe's own stop switch: "true" makes the controller remove the service's pods and keep the resource. */
export const KSERVE_STOP_ANNOTATION = 'serving.kserve.io/stop';
/** The annotation that picks Serverless (Knative) or RawDeployment (plain Deployments) for one InferenceService. */
export const KSERVE_DEPLOYMENT_MODE_ANNOTATION = 'serving.kserve.io/deploymentMode';
/** The label KServe puts on every pod of an InferenceService (value: its name). */
export const KSERVE_POD_LABEL = 'serving.kserve.io/inferenceservice';
/** The container that runs the model server in a predictor pod. */
export const KSERVE_CONTAINER = 'kserve-container';
