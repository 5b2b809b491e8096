// The custom resource definitions the flavors' tests install: read from test/k8s/crds/*.yaml, created through the
// API server, and waited for until the API server serves them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadYaml, type ApiextensionsV1Api, type CustomObjectsApi, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { waitUntil } from './kube-processes.js';

/** The CRDs by the short name tests ask for. */
export const CRD_FILES = {
  seldon: 'seldondeployment.yaml',
  kserve: 'inferenceservice.yaml',
} as const;

/** A CRD the harness can install. */
export type CrdName = keyof typeof CRD_FILES;

const CRD_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crds');

/**
 * The parsed CRD manifest, as the client's model (loadYaml deserializes by apiVersion and kind). A plain
 * js-yaml object would lose every `x-kubernetes-*` key: the client serializes its models by their
 * TypeScript names (`x_kubernetes_preserve_unknown_fields`), so the dashed YAML keys never reach the API
 * server, which then prunes the fields they should keep (a model's resources, envFrom, ...).
 */
export function readCrd(name: CrdName): V1CustomResourceDefinition {
  return loadYaml<V1CustomResourceDefinition>(readFileSync(path.join(CRD_DIR, CRD_FILES[name]), 'utf8'));
}

/** Create the CRD and wait until it is Established and its resources list (the API server then serves them). */
export async function installCrd(api: ApiextensionsV1Api, objects: CustomObjectsApi, name: CrdName, timeoutMs = 30_000): Promise<void> {
  const crd = readCrd(name);
  await api.createCustomResourceDefinition({ body: crd });
  const crdName = crd.metadata!.name!;
  const version = crd.spec.versions.find((v) => v.storage)!.name;
  await waitUntil(
    async () => {
      const current = await api.readCustomResourceDefinition({ name: crdName });
      const established = current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      if (!established) return false;
      await objects.listClusterCustomObject({ group: crd.spec.group, version, plural: crd.spec.names.plural });
      return true;
    },
    timeoutMs,
    (error) => `CRD ${crdName} was not established and served within ${timeoutMs / 1000} s${error ? `: ${String(error)}` : ''}`,
  );
}
