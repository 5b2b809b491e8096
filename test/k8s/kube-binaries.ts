// Where the tests find the control plane and the controllers: the variables `source .ci/k8s-env.sh` exports, else the
// newest complete build of each piece in the cache that script fills (~/.cache/zenml-model-deployer/<piece>-<key>/).
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** Every binary (and data folder) the Kubernetes tests run. */
export interface KubeBinaries {
  apiserver: string;
  etcd: string;
  controllerManager: string;
  scheduler: string;
  kwok: string;
  /** kwok's stage files (its module's kustomize/stage). */
  kwokStages: string;
  /** Seldon Core 1.17.1's operator; its config/ (CRDs, ConfigMap, manager env, webhooks) is beside its bin/. */
  seldonOperator: string;
  /** KServe 0.20.0's manager; its config/ is beside its bin/. */
  kserveManager: string;
}

/** The piece of the cache each path lives in, and the path inside it. */
const PIECES: Record<keyof KubeBinaries, { env: string; piece: string; file: string; dir?: boolean }> = {
  apiserver: { env: 'ZENML_TEST_KUBE_APISERVER', piece: 'k8s', file: 'bin/kube-apiserver' },
  etcd: { env: 'ZENML_TEST_ETCD', piece: 'k8s', file: 'bin/etcd' },
  controllerManager: { env: 'ZENML_TEST_KUBE_CONTROLLER_MANAGER', piece: 'k8s', file: 'bin/kube-controller-manager' },
  scheduler: { env: 'ZENML_TEST_KUBE_SCHEDULER', piece: 'k8s', file: 'bin/kube-scheduler' },
  kwok: { env: 'ZENML_TEST_KWOK', piece: 'kwok', file: 'bin/kwok' },
  kwokStages: { env: 'ZENML_TEST_KWOK_STAGES', piece: 'kwok', file: 'stage', dir: true },
  seldonOperator: { env: 'ZENML_TEST_SELDON_OPERATOR', piece: 'seldon', file: 'bin/seldon-manager' },
  kserveManager: { env: 'ZENML_TEST_KSERVE_MANAGER', piece: 'kserve', file: 'bin/kserve-manager' },
};

/** Every binary, or undefined when one is missing (kubeBinariesMissingReason() says which). */
export function kubeBinaries(): KubeBinaries | undefined {
  const found = {} as KubeBinaries;
  for (const [key, spec] of Object.entries(PIECES) as [keyof KubeBinaries, (typeof PIECES)[keyof KubeBinaries]][]) {
    const file = locate(spec);
    if (!file) return undefined;
    found[key] = file;
  }
  return found;
}

/** The config/ folder beside a controller's bin/. */
export function controllerConfigDir(binary: string): string {
  return path.join(path.dirname(path.dirname(binary)), 'config');
}

/** Why kubeBinaries() found nothing, and how to fix it (for skip and failure messages). */
export function kubeBinariesMissingReason(): string {
  const missing = Object.values(PIECES).filter((spec) => !locate(spec));
  if (missing.length === 0) return 'nothing is missing';
  const named = missing.map((spec) => (process.env[spec.env] ? `${spec.env}=${process.env[spec.env]} (not found)` : `${spec.piece}/${spec.file}`));
  return `missing ${named.join(', ')}: build them once with \`bash .ci/k8s-env.sh\` (Go 1.26; ~40 minutes cold on 2 cores), or source it to set the ZENML_TEST_* paths`;
}

function locate(spec: { env: string; piece: string; file: string; dir?: boolean }): string | undefined {
  const fromEnv = process.env[spec.env];
  if (fromEnv) return usable(fromEnv, spec.dir) ? fromEnv : undefined;
  const cache = path.join(process.env.XDG_CACHE_HOME || path.join(process.env.HOME || homedir(), '.cache'), 'zenml-model-deployer');
  let names: string[];
  try {
    names = readdirSync(cache);
  } catch {
    return undefined;
  }
  const pattern = new RegExp(`^${spec.piece}-[0-9a-f]+$`);
  return names
    .filter((name) => pattern.test(name) && existsSync(path.join(cache, name, '.complete')))
    .map((name) => ({ file: path.join(cache, name, spec.file), mtime: statSync(path.join(cache, name, '.complete')).mtimeMs }))
    .filter((b) => usable(b.file, spec.dir))
    .sort((a, b) => b.mtime - a.mtime)[0]?.file;
}

function usable(file: string, dir = false): boolean {
  try {
    if (dir) return statSync(file).isDirectory();
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
