// Where the tests find kube-apiserver and etcd: the variables `source .ci/k8s-env.sh` exports, else the cache that
// script builds into.
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/**
 * The kube-apiserver and etcd binaries: ZENML_TEST_KUBE_APISERVER and ZENML_TEST_ETCD when set (by
 * `source .ci/k8s-env.sh`), else the newest complete build in the cache that script fills; undefined when none.
 */
export function kubeBinaries(): { apiserver: string; etcd: string } | undefined {
  const { ZENML_TEST_KUBE_APISERVER: apiserver, ZENML_TEST_ETCD: etcd } = process.env;
  if (apiserver || etcd) {
    return apiserver && etcd && isExecutable(apiserver) && isExecutable(etcd) ? { apiserver, etcd } : undefined;
  }
  const cache = path.join(process.env.XDG_CACHE_HOME || path.join(process.env.HOME || homedir(), '.cache'), 'zenml-model-deployer');
  let builds: string[];
  try {
    builds = readdirSync(cache).filter((name) => /^k8s-[0-9a-f]+$/.test(name)).map((name) => path.join(cache, name));
  } catch {
    return undefined;
  }
  const complete = builds
    .filter((dir) => existsSync(path.join(dir, '.complete')))
    .map((dir) => ({ dir, mtime: statSync(path.join(dir, '.complete')).mtimeMs, apiserver: path.join(dir, 'bin/kube-apiserver'), etcd: path.join(dir, 'bin/etcd') }))
    .filter((b) => isExecutable(b.apiserver) && isExecutable(b.etcd))
    .sort((a, b) => b.mtime - a.mtime);
  return complete[0] ? { apiserver: complete[0].apiserver, etcd: complete[0].etcd } : undefined;
}

/** Why kubeBinaries() found nothing, and how to fix it (for skip and failure messages). */
export function kubeBinariesMissingReason(): string {
  const { ZENML_TEST_KUBE_APISERVER: apiserver, ZENML_TEST_ETCD: etcd } = process.env;
  if (apiserver || etcd) {
    return `ZENML_TEST_KUBE_APISERVER=${apiserver ?? ''} and ZENML_TEST_ETCD=${etcd ?? ''} must both name executables (rebuild with \`source .ci/k8s-env.sh\`)`;
  }
  return 'no kube-apiserver/etcd build in ~/.cache/zenml-model-deployer/k8s-*: build them once with `bash .ci/k8s-env.sh` (needs Go 1.26; ~9 minutes)';
}


function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

