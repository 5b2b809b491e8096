/** The Seldon Core v1 custom resource the `seldon` flavor manages. */
import type { CustomResourceKind } from '../kubernetes/resource-kind.js';

/** `machinelearning.seldon.io/v1` SeldonDeployment. */
export const SELDON_DEPLOYMENT: CustomResourceKind = {
  group: 'machinelearning.seldon.io',
  version: 'v1',
  plural: 'seldondeployments',
  kind: 'SeldonDeployment',
  notInstalled: {
    message: 'Seldon Core is not installed in this cluster',
    suggestion: 'install Seldon Core (its SeldonDeployment CRD and operator), or point kubernetesContext at a cluster that has it',
  },
};

/** The graph node (and container) that serves the model. */
export const SELDON_GRAPH_NODE = 'classifier';
/** The one predictor zenml creates. */
export const SELDON_PREDICTOR = 'default';
/** The label Seldon puts on every pod of a SeldonDeployment (value: its name). */
export const SELDON_POD_LABEL = 'seldon-deployment-id';
