// The kubeconfig files of a test cluster: one per identity, same cluster and same context name, as a user with two
// credentials for one cluster would have.
import { writeFileSync } from 'node:fs';
import yaml from 'js-yaml';

/** Write a kubeconfig for `server` with a bearer token; the CA is the API server's self-signed chain. */
export function writeKubeconfig(file: string, options: { server: string; caPem: string; contextName: string; user: string; token: string }): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: options.contextName,
        cluster: { server: options.server, 'certificate-authority-data': Buffer.from(options.caPem).toString('base64') },
      },
    ],
    users: [{ name: options.user, user: { token: options.token } }],
    contexts: [{ name: options.contextName, context: { cluster: options.contextName, user: options.user, namespace: 'default' } }],
    'current-context': options.contextName,
  };
  writeFileSync(file, yaml.dump(config), { mode: 0o600 });
}
