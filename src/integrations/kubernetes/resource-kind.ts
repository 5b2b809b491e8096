/** A custom resource kind a Kubernetes flavor manages (SeldonDeployment, InferenceService, …). */
export interface CustomResourceKind {
  /** API group, e.g. `machinelearning.seldon.io`. */
  group: string;
  /** API version inside the group, e.g. `v1`. */
  version: string;
  /** Plural resource name used in URLs and RBAC rules, e.g. `seldondeployments`. */
  plural: string;
  /** The `kind` of its objects, e.g. `SeldonDeployment`. */
  kind: string;
  /**
   * What a user is told when the API server does not serve this kind (its CRD is missing), e.g.
   * "Seldon Core is not installed in this cluster": the flavor knows the product, this layer does not.
   */
  notInstalled: { message: string; suggestion?: string };
}

/** `plural.group`, as RBAC rules and kubectl name a resource. */
export function qualifiedResource(kind: Pick<CustomResourceKind, 'plural' | 'group'>): string {
  return kind.group ? `${kind.plural}.${kind.group}` : kind.plural;
}

/** `group/version`, the apiVersion of the kind's objects. */
export function apiVersionOf(kind: Pick<CustomResourceKind, 'group' | 'version'>): string {
  return `${kind.group}/${kind.version}`;
}
