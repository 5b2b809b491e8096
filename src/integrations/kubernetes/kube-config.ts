/**
 * Kubeconfig discovery as kubectl does it: the `kubeconfig` setting, else KUBECONFIG (a path list,
 * merged), else ~/.kube/config, else the in-cluster service account. Then the context (the
 * `kubernetesContext` setting, else the current one) and the namespace (the setting, else the
 * context's, else `default`).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { ConfigError, EnvironmentError, UsageError } from '../../errors.js';
import type { KubernetesSettings } from './kube-settings.js';

/** Where the kubeconfig comes from. */
export type KubeconfigSource =
  | { kind: 'file'; paths: string[]; from: 'setting' | 'KUBECONFIG' | '~/.kube/config' }
  | { kind: 'in-cluster' };

/** What discovery looks at; tests pass their own. */
export interface DiscoveryEnv {
  env: NodeJS.ProcessEnv;
  home: string | undefined;
  exists: (file: string) => boolean;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Pick the kubeconfig source; one clear error when there is none. */
export function chooseKubeconfig(setting: string | undefined, configDir: string, d: DiscoveryEnv): KubeconfigSource {
  if (setting) {
    const file = path.resolve(configDir, setting);
    if (!d.exists(file)) throw new ConfigError(`kubeconfig: ${file} does not exist`, { suggestion: 'fix the kubeconfig setting: zenml model-deployer update <name> --kubeconfig <path>' });
    return { kind: 'file', paths: [file], from: 'setting' };
  }
  const list = (d.env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean);
  if (list.length > 0) {
    const present = list.filter((f) => d.exists(f));
    if (present.length === 0) throw new ConfigError(`KUBECONFIG: none of ${list.join(', ')} exists`);
    return { kind: 'file', paths: present, from: 'KUBECONFIG' };
  }
  const home = d.home && path.join(d.home, '.kube', 'config');
  if (home && d.exists(home)) return { kind: 'file', paths: [home], from: '~/.kube/config' };
  if (d.env.KUBERNETES_SERVICE_HOST && d.exists(SERVICE_ACCOUNT_TOKEN)) return { kind: 'in-cluster' };
  throw new EnvironmentError('no kubeconfig found: no kubeconfig setting, no KUBECONFIG, no ~/.kube/config, and not running in a cluster', {
    suggestion: 'register the deployer with --kubeconfig <path>, or set KUBECONFIG',
  });
}

/** The cluster access a deployer uses: the loaded kubeconfig switched to the chosen context. */
export interface KubeTarget {
  kubeConfig: KubeConfig;
  context: string;
  /** The API server URL of the context's cluster. */
  server: string;
  namespace: string;
}

/** Load the kubeconfig the settings (or the environment) name and resolve context and namespace. */
export async function loadKubeTarget(settings: KubernetesSettings, configDir: string, d: DiscoveryEnv = defaultDiscoveryEnv()): Promise<KubeTarget> {
  const source = chooseKubeconfig(settings.kubeconfig, configDir, d);
  const { KubeConfig } = await import('./kube-lib.js');
  const kc = new KubeConfig();
  try {
    if (source.kind === 'in-cluster') {
      kc.loadFromCluster();
    } else {
      kc.loadFromFile(source.paths[0]);
      for (const extra of source.paths.slice(1)) {
        const more = new KubeConfig();
        more.loadFromFile(extra);
        kc.mergeConfig(more, true);
      }
    }
  } catch (error) {
    const where = source.kind === 'in-cluster' ? 'the in-cluster service account' : source.paths.join(', ');
    throw new ConfigError(`cannot read kubeconfig ${where}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  if (settings.kubernetesContext) {
    if (!kc.getContextObject(settings.kubernetesContext)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new UsageError(`kubernetesContext: no context '${settings.kubernetesContext}' in ${describeSource(source)}`, {
        suggestion: known.length ? `known contexts: ${known.join(', ')}` : 'the kubeconfig has no contexts',
      });
    }
    kc.setCurrentContext(settings.kubernetesContext);
  }
  const context = kc.getCurrentContext();
  const contextObject = kc.getContextObject(context);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new ConfigError(`kubeconfig ${describeSource(source)}: context '${context}' names no cluster`);
  return { kubeConfig: kc, context, server: cluster.server, namespace: settings.kubernetesNamespace ?? (contextObject?.namespace || 'default') };
}

function describeSource(source: KubeconfigSource): string {
  return source.kind === 'in-cluster' ? 'the in-cluster config' : source.paths.join(', ');
}

/** The real environment: process.env, the home directory, the file system. */
export function defaultDiscoveryEnv(): DiscoveryEnv {
  return { env: process.env, home: process.env.HOME || os.homedir(), exists: existsSync };
}
