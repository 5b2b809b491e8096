/**
 * The Kubernetes layer the cluster flavors share (seldon today). Importing it loads no Kubernetes client:
 * kube-client.ts imports @kubernetes/client-node on first connect.
 */
export { KubeClient, type KubeObject, type PodSummary, type PodLogOptions } from './kube-client.js';
export { chooseKubeconfig, loadKubeTarget, type KubeconfigSource, type KubeTarget, type DiscoveryEnv } from './kube-config.js';
export { classifyKubeFailure, translateKubeError, type KubeFailure, type KubeFailureType, type KubeOperation, type KubeTargetInfo } from './kube-errors.js';
export * from './kube-labels.js';
export { kubernetesSettingsSchema, kubernetesSettingsShape, type KubernetesSettings } from './kube-settings.js';
export { KubernetesModelDeployer, resourceNameFor, type ManifestTarget, type ResourceState } from './kubernetes-deployer.js';
export { KubernetesService, type KubernetesLiveFacts } from './kubernetes-service.js';
export { applyMergePatch, mergePatchFor } from './merge-patch.js';
export { apiVersionOf, qualifiedResource, type CustomResourceKind } from './resource-kind.js';
