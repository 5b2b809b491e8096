// The real controllers of the cluster flavors, installed on the test cluster the way their own install does it, from
// the config/ they ship (built by .ci/k8s-env.sh from ../shared/k8s): their CRDs, ConfigMap, environment and admission
// webhooks (registered with the API server by URL, over the API server's own certificate), then the binary itself.
//   Seldon Core 1.17.1's operator: operator/config/{crd,manager,webhook} at tag v1.17.1.
//   KServe 0.20.0's manager: config/{crd/full,configmap,runtimes,webhook} at tag v0.20.0.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { controllerConfigDir, type KubeBinaries } from './kube-binaries.js';
import { freePort, waitUntil, type KubeProcess } from './kube-processes.js';
import { rawCall, rawCreate, RawApiError, type RawApi } from './raw-api.js';

/** A controller the cluster can run. */
export type ControllerName = 'seldon' | 'kserve';

/** KServe's deployment modes under their 0.20 names. */
export type KserveMode = 'Standard' | 'Knative';

/** What installing a controller needs from the cluster. */
export interface ControllerContext {
  dir: string;
  api: RawApi;
  kubeconfigPath: string;
  certPath: string;
  keyPath: string;
  start(name: string, binary: string, args: string[], env?: NodeJS.ProcessEnv): KubeProcess;
}

/** The namespace each controller runs in (its POD_NAMESPACE). */
export const CONTROLLER_NAMESPACE: Record<ControllerName, string> = { seldon: 'seldon-system', kserve: 'kserve' };

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [key: string]: unknown };

/** Install a controller's CRDs only (for a test that runs without the controller: "is the operator running?"). */
export async function installControllerCrds(bins: KubeBinaries, ctx: Pick<ControllerContext, 'api'>, name: ControllerName): Promise<void> {
  const crds = name === 'seldon' ? [seldonCrd(bins)] : kserveCrds(bins);
  for (const crd of crds) await rawCreate(ctx.api, crd);
  for (const crd of crds) await waitForCrd(ctx.api, crd.metadata.name);
}

/** Install and start a controller; resolves once its webhook server answers and its webhooks are registered. */
export async function startController(bins: KubeBinaries, ctx: ControllerContext, name: ControllerName, kserveMode: KserveMode = 'Standard'): Promise<KubeProcess> {
  const namespace = CONTROLLER_NAMESPACE[name];
  await rawCreate(ctx.api, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { 'control-plane': `${name}-controller-manager` } } });
  await installControllerCrds(bins, ctx, name);
  // controller-runtime's webhook server reads tls.crt/tls.key from $TMPDIR/k8s-webhook-server/serving-certs.
  const tmp = path.join(ctx.dir, `${name}-tmp`);
  const certs = path.join(tmp, 'k8s-webhook-server', 'serving-certs');
  mkdirSync(certs, { recursive: true });
  copyFileSync(ctx.certPath, path.join(certs, 'tls.crt'));
  copyFileSync(ctx.keyPath, path.join(certs, 'tls.key'));
  const webhookPort = await freePort();
  const env = { KUBECONFIG: ctx.kubeconfigPath, TMPDIR: tmp, POD_NAMESPACE: namespace };
  let proc: KubeProcess;
  if (name === 'seldon') {
    await rawCreate(ctx.api, { ...seldonConfigMap(bins), metadata: { name: 'seldon-config', namespace } });
    proc = ctx.start('seldon-operator', bins.seldonOperator, ['--metrics-addr', `127.0.0.1:${await freePort()}`, '--webhook-port', String(webhookPort)], {
      ...seldonManagerEnv(bins),
      ...env,
    });
  } else {
    await rawCreate(ctx.api, kserveConfigMap(bins, kserveMode));
    for (const runtime of kserveRuntimes(bins)) await rawCreate(ctx.api, runtime);
    proc = ctx.start(
      'kserve-manager',
      bins.kserveManager,
      ['--metrics-addr', `127.0.0.1:${await freePort()}`, '--health-probe-addr', `127.0.0.1:${await freePort()}`, '--webhook-port', String(webhookPort)],
      env,
    );
  }
  await waitUntil(
    async () => {
      if (proc.exit) throw new Error(`${proc.name} exited (${proc.exit.code ?? proc.exit.signal})`);
      return portAnswers(webhookPort);
    },
    60_000,
    (error) => `${proc.name}'s webhook server did not listen on 127.0.0.1:${webhookPort} within 60 s${error ? `: ${String(error)}` : ''}`,
    150,
  );
  const caBundle = readFileSync(ctx.certPath).toString('base64');
  for (const hook of webhookConfigurations(bins, name, webhookPort, caBundle)) await rawCreate(ctx.api, hook);
  return proc;
}

/** Seldon's CRD with config/crd/patches/graph_children.yaml applied, as config/crd/kustomization.yaml does. */
function seldonCrd(bins: KubeBinaries): Manifest {
  const config = controllerConfigDir(bins.seldonOperator);
  const crd = parse(readFileSync(path.join(config, 'crd/bases/machinelearning.seldon.io_seldondeployments.yaml'), 'utf8')) as Manifest;
  const ops = parse(readFileSync(path.join(config, 'crd/patches/graph_children.yaml'), 'utf8')) as { op: string; path: string; value: unknown }[];
  for (const op of ops) {
    if (op.op !== 'replace') throw new Error(`graph_children.yaml: unexpected op ${op.op}`);
    replaceAt(crd, op.path, op.value);
  }
  return crd;
}

/** Every CRD of KServe's config/crd/full (the manager's informers expect them all). */
function kserveCrds(bins: KubeBinaries): Manifest[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (/^serving\.kserve\.io_.*\.yaml$/.test(entry)) files.push(full);
    }
  };
  walk(path.join(controllerConfigDir(bins.kserveManager), 'crd/full'));
  return files.map((file) => parse(readFileSync(file, 'utf8')) as Manifest);
}

/** The `data` of Seldon's config/manager/configmap.yaml. */
function seldonConfigMap(bins: KubeBinaries): Manifest {
  const cm = parse(readFileSync(path.join(controllerConfigDir(bins.seldonOperator), 'manager/configmap.yaml'), 'utf8')) as Manifest;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: cm.metadata, data: cm.data };
}

/**
 * The manager container's `env` of Seldon's config/manager/manager.yaml (values only; POD_NAMESPACE comes from the
 * caller), with Ambassador, Istio and KEDA off: none of them runs here (their CRDs would be missing).
 */
function seldonManagerEnv(bins: KubeBinaries): Record<string, string> {
  const docs = parseAllDocuments(readFileSync(path.join(controllerConfigDir(bins.seldonOperator), 'manager/manager.yaml'), 'utf8')).map((d) => d.toJS());
  const deployment = docs.find((d) => d?.kind === 'Deployment');
  const container = deployment?.spec?.template?.spec?.containers?.[0];
  const env: Record<string, string> = {};
  for (const item of (container?.env ?? []) as { name: string; value?: string }[]) if (typeof item.value === 'string') env[item.name] = item.value;
  return { ...env, AMBASSADOR_ENABLED: 'false', ISTIO_ENABLED: 'false', KEDA_ENABLED: 'false' };
}

/**
 * KServe's config/configmap/inferenceservice.yaml without its `_example` key, with the default deployment mode set
 * (Standard: this cluster has no Knative).
 */
function kserveConfigMap(bins: KubeBinaries, mode: KserveMode): Manifest {
  const cm = parse(readFileSync(path.join(controllerConfigDir(bins.kserveManager), 'configmap/inferenceservice.yaml'), 'utf8')) as Manifest & { data: Record<string, string> };
  const { _example: _, ...data } = cm.data;
  data.deploy = JSON.stringify({ defaultDeploymentMode: mode === 'Knative' ? 'Knative' : 'Standard' });
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: cm.metadata.name, namespace: CONTROLLER_NAMESPACE.kserve }, data };
}

/** KServe's sklearn ClusterServingRuntime (its image is a kustomize placeholder; kwok runs no image). */
function kserveRuntimes(bins: KubeBinaries): Manifest[] {
  return [parse(readFileSync(path.join(controllerConfigDir(bins.kserveManager), 'runtimes/kserve-sklearnserver.yaml'), 'utf8')) as Manifest];
}

/** The controller's webhook configurations, each `clientConfig.service` turned into a URL on 127.0.0.1 with the CA. */
function webhookConfigurations(bins: KubeBinaries, name: ControllerName, port: number, caBundle: string): Manifest[] {
  const binary = name === 'seldon' ? bins.seldonOperator : bins.kserveManager;
  const text = readFileSync(path.join(controllerConfigDir(binary), 'webhook/manifests.yaml'), 'utf8');
  const docs = parseAllDocuments(text).map((d) => d.toJS() as Manifest | null).filter((d): d is Manifest => !!d && /WebhookConfiguration$/.test(d.kind));
  return docs.map((doc) => ({
    ...doc,
    metadata: { name: `${name}-${doc.metadata.name}` },
    webhooks: (doc.webhooks as { clientConfig: { service?: { path?: string } } }[]).map((hook) => ({
      ...hook,
      clientConfig: { url: `https://127.0.0.1:${port}${hook.clientConfig.service?.path ?? '/'}`, caBundle },
    })),
  }));
}

/** Wait until a CRD is Established (the API server then serves its resources). */
async function waitForCrd(api: RawApi, name: string): Promise<void> {
  await waitUntil(
    async () => {
      const crd = await rawCall<{ status?: { conditions?: { type: string; status: string }[] } }>(api, 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      return !!crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    },
    60_000,
    (error) => `CRD ${name} was not established within 60 s${error instanceof RawApiError || error ? `: ${String(error)}` : ''}`,
  );
}

/** Replace the value at a JSON pointer (the one op Seldon's CRD patch uses). */
function replaceAt(target: unknown, pointer: string, value: unknown): void {
  const keys = pointer.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node = target as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) {
    node = node[key] as Record<string, unknown>;
    if (node === undefined || node === null) throw new Error(`JSON pointer ${pointer}: no ${key}`);
  }
  node[keys[keys.length - 1]] = value;
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
