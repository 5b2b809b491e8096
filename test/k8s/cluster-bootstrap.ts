// What a fresh API server needs before the tests use it: credentials on disk before it starts, and afterwards the
// viewer's role.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CoreV1Api, KubeConfig, type RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { waitUntil } from './kube-processes.js';

const VIEWER_ROLE = 'zenml-test-viewer';

/** tokens.csv (token,user,uid,"groups") and the service-account signing key pair. */
export function writeCredentials(dir: string, adminToken: string, viewerToken: string): void {
  writeFileSync(path.join(dir, 'tokens.csv'), `${adminToken},admin,admin,"system:masters"\n${viewerToken},viewer,viewer\n`, { mode: 0o600 });
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  writeFileSync(path.join(dir, 'sa.pub'), publicKey);
  writeFileSync(path.join(dir, 'sa.key'), privateKey, { mode: 0o600 });
  mkdirSync(path.join(dir, 'pki'));
}

export async function installViewerRole(rbac: RbacAuthorizationV1Api): Promise<void> {
  const read = ['get', 'list', 'watch'];
  await rbac.createClusterRole({
    body: {
      metadata: { name: VIEWER_ROLE },
      rules: [
        { apiGroups: ['machinelearning.seldon.io'], resources: ['seldondeployments'], verbs: read },
        { apiGroups: ['serving.kserve.io'], resources: ['inferenceservices'], verbs: read },
        { apiGroups: [''], resources: ['pods', 'pods/log', 'events'], verbs: read },
        // What the flavors read to tell a rollout in progress from a failure (docs/seldon-flavor.md's Role).
        { apiGroups: ['apps'], resources: ['deployments', 'replicasets'], verbs: read },
      ],
    },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: VIEWER_ROLE },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: VIEWER_ROLE },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'viewer' }],
    },
  });
}

/** RBAC reaches the authorizer through an informer: wait until the viewer's role is in force. */
export async function waitForViewer(kubeconfigPath: string, deadline: number): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  await waitUntil(
    async () => {
      await core.listNamespacedPod({ namespace: 'default' });
      return true;
    },
    Math.max(1000, deadline - Date.now()),
    (error) => `the viewer's ClusterRole did not take effect in time: ${String(error)}`,
  );
}

