/**
 * The parts of @kubernetes/client-node this layer uses, named: imported dynamically by kube-config and
 * kube-client so the library loads only when a command talks to a cluster, and named so the CLI bundle
 * keeps only these (the library's index pulls in every API group and ~2,500 model classes).
 */
export { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, Log, Observable, PatchStrategy } from '@kubernetes/client-node';
