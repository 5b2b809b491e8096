// End-to-end: the `kserve` flavor driven through the built `zenml` binary against a real control plane (etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, a kwok Node on which pods run without containers) and
// the REAL KServe 0.20.0 manager in Standard mode, with its CRDs, ConfigMap, sklearn ClusterServingRuntime and
// admission webhooks (test/k8s/cluster.ts, controllers.ts): deploy, find, replace, stop/start, canary, promote,
// rollback, failure, timeout, delete, RBAC. Knative mode needs Knative Serving, which cannot run here: its one
// test (the canaryTrafficPercent canary) runs on KServe's real CRDs with test/k8s/stand-in-kserve-controller.ts.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { adminClient, createNamespace, startKubeCluster, type KubeCluster } from '../k8s/cluster.js';
import { KWOK_FAIL_LABEL } from '../k8s/control-plane.js';
import { expectDeployTimesOut } from '../k8s/deploy-timeout.js';
import { rawCall, type RawApi } from '../k8s/raw-api.js';
import { describeKube } from '../k8s/require-kube.js';
import { startStandInKserveController } from '../k8s/stand-in-kserve-controller.js';
import { killRunningZenml, parseJson, runZenml, type RunResult } from '../helpers/cli.js';
import { TempDirs } from '../helpers/temp.js';

const GROUP = 'serving.kserve.io';
const VERSION = 'v1beta1';
const PLURAL = 'inferenceservices';
const temps = new TempDirs();
let nsCounter = 0;

interface Project {
  dir: string;
  run: (...args: string[]) => Promise<RunResult>;
  json: <T = any>(...args: string[]) => Promise<T>;
}

function failed(args: string[], r: RunResult): Error {
  return new Error(`zenml ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

/** A project dir (also its HOME: another project is another machine) with a deployer `k8s` of `flavor` in the active stack. */
async function makeProject(settings: string[], flavor = 'kserve'): Promise<Project> {
  const dir = temps.dir('zenml-kserve-');
  const run = (...args: string[]) => runZenml(args, { cwd: dir, timeoutMs: 200_000 });
  const json = async <T = any>(...args: string[]): Promise<T> => {
    const r = await run(...args, '--json');
    if (r.code !== 0) throw failed(args, r);
    return parseJson<T>(r);
  };
  for (const args of [['init'], ['model-deployer', 'register', 'k8s', '--flavor', flavor, ...settings], ['stack', 'register', 'prod', '-d', 'k8s', '--set']]) {
    const r = await run(...args);
    if (r.code !== 0) throw failed(args, r);
  }
  return { dir, run, json };
}

function clusterSettings(kubeconfig: string, namespace: string, extra: string[] = []): string[] {
  return ['--kubeconfig', kubeconfig, '--kubernetes-context', 'zenml-test', '--kubernetes-namespace', namespace, ...extra];
}

afterEach(() => {
  killRunningZenml();
  temps.cleanup();
});

/** Admin reads of what the cluster holds, for the assertions. */
function clusterReads(api: RawApi, objects: () => CustomObjectsApi) {
  const isvc = (ns: string, name: string): Promise<any> => objects().getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name });
  const isvcs = async (ns: string): Promise<any[]> => ((await objects().listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL })) as any).items;
  const owned = async (ns: string, what: 'deployments' | 'pods', name: string): Promise<any[]> => {
    const base = what === 'pods' ? '/api/v1' : '/apis/apps/v1';
    return (await rawCall<{ items: any[] }>(api, 'GET', `${base}/namespaces/${ns}/${what}?labelSelector=${encodeURIComponent(`serving.kserve.io/inferenceservice=${name}`)}`)).items;
  };
  const deploymentNames = async (ns: string, name: string) => (await owned(ns, 'deployments', name)).map((d) => d.metadata.name).sort();
  return { isvc, isvcs, owned, deploymentNames };
}

const deployArgs = (model: string, ...more: string[]) => [
  'model-deployer', 'deploy', '--model-uri', `s3://models/${model}`, '--model-name', model, '--model-type', 'sklearn',
  '--pipeline-name', 'training', '--pipeline-step-name', 'deployer', '--pipeline-run-id', `run-${model}`, ...more,
];

/** Poll `read` until `done` holds (30 s at most); the last value either way. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    value = await read();
  }
  return value;
}

describeKube('kserve flavor through the zenml binary, against the real KServe 0.20.0 manager (Standard mode)', () => {
  let cluster: KubeCluster;
  let objects: CustomObjectsApi;
  let reads: ReturnType<typeof clusterReads>;

  beforeAll(async () => {
    cluster = await startKubeCluster({ controller: 'kserve', kserveMode: 'Standard', timeoutMs: 150_000 });
    objects = adminClient(cluster).makeApiClient(CustomObjectsApi);
    reads = clusterReads(cluster.api, () => objects);
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  async function namespace(): Promise<string> {
    // Short: KServe names a canary's host <isvc>-<canary>-predictor-<namespace>, at most 63 characters (kserve-manifest.ts).
    const name = `k${++nsCounter}`;
    await createNamespace(cluster, name);
    return name;
  }

  const project = (ns: string, extra: string[] = [], kubeconfig = cluster.kubeconfigPath) => makeProject(clusterSettings(kubeconfig, ns, extra));

  test('register validates deploymentMode; deploy creates the InferenceService, KServe its Deployment with the spec mark, and the state, URLs and facts are read back', async () => {
    const ns = await namespace();
    const bad = await makeProject([]).then((p) => p.run('model-deployer', 'register', 'broken', '--flavor', 'kserve', '--deployment-mode', 'Fast'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^zenml: error: --deployment-mode: expected Standard or Knative \(or the old names RawDeployment, Serverless\) \(got "Fast"\)\n$/);

    // The old name RawDeployment is accepted and written as KServe 0.20's Standard.
    const p = await project(ns, ['--deployment-mode', 'RawDeployment', '--service-account-name', 'models-sa', '--secret', 's3-credentials']);
    const view = await p.json(...deployArgs('iris', '-c', 'minReplicas=1', '-c', 'maxReplicas=3', '-c', 'runtime=kserve-sklearnserver', '-c', 'resources={"limits":{"cpu":"1"}}'));
    const name = `zenml-${view.uuid}`;
    expect(view).toMatchObject({ state: 'active', flavor: 'kserve', deployer: 'k8s', modelName: 'iris', modelUri: 's3://models/iris', lastError: '' });
    const resource = await reads.isvc(ns, name);
    const url = resource.status.url;
    expect(url).toMatch(new RegExp(`^https?://${name}`));
    expect(view.predictionUrl).toBe(`${url}/v1/models/${name}:predict`);
    expect(view.info).toMatchObject({
      HEALTH_CHECK_URL: `${url}/v1/models/${name}`,
      URL: url,
      NAMESPACE: ns,
      RESOURCE: `InferenceService/${name}`,
      MODEL_FORMAT: 'sklearn',
      RUNTIME: 'kserve-sklearnserver',
      PROTOCOL: 'v1',
      DEPLOYMENT_MODE: 'Standard',
      REPLICAS: '1..3',
      CANARY: '',
    });
    expect(resource.spec.predictor).toMatchObject({
      model: { modelFormat: { name: 'sklearn' }, storageUri: 's3://models/iris', runtime: 'kserve-sklearnserver', resources: { limits: { cpu: '1' } }, envFrom: [{ secretRef: { name: 's3-credentials' } }] },
      minReplicas: 1,
      maxReplicas: 3,
      serviceAccountName: 'models-sa',
    });
    expect(resource.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'zenml', 'zenml.io/service-uuid': view.uuid });
    expect(resource.metadata.annotations['serving.kserve.io/deploymentMode']).toBe('Standard');
    expect(JSON.parse(resource.metadata.annotations['zenml.io/service'])).toMatchObject({ uuid: view.uuid, flavor: 'kserve', config: { modelName: 'iris', minReplicas: 1 } });
    // KServe copied the spec mark onto the Deployment it made, which has rolled out.
    const [deployment] = await reads.owned(ns, 'deployments', name);
    expect(deployment.metadata.name).toBe(`${name}-predictor`);
    expect(deployment.metadata.annotations['zenml.io/spec-hash']).toBe(resource.metadata.annotations['zenml.io/spec-hash']);
    expect(deployment.status.availableReplicas).toBeGreaterThanOrEqual(1);

    // A canary on a first deploy has nothing to run beside; bad -c values: exit 2, nothing created.
    const before = (await reads.isvcs(ns)).length;
    const early = await p.run(...deployArgs('x', '-c', 'canaryTrafficPercent=10'));
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/^zenml: error: -c canaryTrafficPercent: a canary runs beside a model already deployed \(KServe Standard mode\)\nhint: deploy the model first/);
    const canary = await p.run(...deployArgs('x', '-c', 'canaryTrafficPercent=150'));
    expect(canary.code).toBe(2);
    expect(canary.stderr).toMatch(/^zenml: error: -c canaryTrafficPercent=150: expected a percentage from 0 to 100 \(got 150\)\n$/);
    const noFormat = await p.run('model-deployer', 'deploy', '--model-uri', 's3://models/x', '--model-type', 'weird');
    expect(noFormat.code).toBe(2);
    expect(noFormat.stderr).toMatch(/no KServe model format for model type 'weird'/);
    expect((await reads.isvcs(ns)).length).toBe(before);
  });

  test('find: every filter narrows, from the cluster alone; resources zenml did not create are never listed', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const a = await p.json(...deployArgs('iris'));
    const b = await p.json('model-deployer', 'deploy', '--model-uri', 's3://models/wine', '--model-name', 'wine', '--model-type', 'sklearn', '-c', 'modelFormat=sklearn', '--pipeline-name', 'other', '--pipeline-step-name', 'serve', '--pipeline-run-id', 'run-2');
    await objects.createNamespacedCustomObject({
      group: GROUP, version: VERSION, namespace: ns, plural: PLURAL,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'InferenceService', metadata: { name: 'someone-elses' }, spec: { predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri: 's3://x' } } } },
    });
    const uuids = async (...filter: string[]) => (await p.json<any[]>('model-deployer', 'find', ...filter)).map((s) => s.uuid).sort();
    expect(await uuids()).toEqual([a.uuid, b.uuid].sort());
    expect(await uuids('--uuid', a.uuid)).toEqual([a.uuid]);
    expect(await uuids('--model-name', 'wine')).toEqual([b.uuid]);
    expect(await uuids('--model-uri', 's3://models/iris')).toEqual([a.uuid]);
    expect(await uuids('--model-type', 'sklearn')).toEqual([a.uuid, b.uuid].sort());
    expect(await uuids('--pipeline-name', 'training')).toEqual([a.uuid]);
    expect(await uuids('--pipeline-step-name', 'serve')).toEqual([b.uuid]);
    expect(await uuids('--pipeline-run-id', 'run-iris')).toEqual([a.uuid]);
    expect(await uuids('--model-name', 'iris', '--pipeline-name', 'other')).toEqual([]);
    await p.json('model-deployer', 'stop', b.uuid);
    expect(await uuids('--running')).toEqual([a.uuid]);
    const quiet = await p.run('model-deployer', 'find', '-q', '--model-name', 'iris');
    expect(quiet.stdout).toBe(`${a.uuid}\n`);
    // The foreign resource keeps only what KServe's webhook gave it.
    expect(Object.keys((await reads.isvc(ns, 'someone-elses')).metadata.annotations ?? {}).filter((k) => k.startsWith('zenml.io/'))).toEqual([]);
  });

  test('replace waits for KServe to roll the new spec out; stop deletes the Deployment, start after several replaces comes back; logs come from kserve-container', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const v1 = await p.json(...deployArgs('iris', '--model-uri', 's3://models/iris-v1'));
    const name = `zenml-${v1.uuid}`;
    for (const version of ['v2', 'v3']) {
      const next = await p.json(...deployArgs('iris', '--model-uri', `s3://models/iris-${version}`, '--replace'));
      expect(next).toMatchObject({ uuid: v1.uuid, state: 'active', info: { MODEL_URI: `s3://models/iris-${version}` } });
      // Active only once the Deployment carries this spec and has rolled out.
      const resource = await reads.isvc(ns, name);
      const [deployment] = await reads.owned(ns, 'deployments', name);
      expect(deployment.metadata.annotations['zenml.io/spec-hash']).toBe(resource.metadata.annotations['zenml.io/spec-hash']);
      expect(deployment.spec.template.metadata.annotations['internal.serving.kserve.io/storage-initializer-sourceuri']).toBe(`s3://models/iris-${version}`);
      expect(deployment.status).toMatchObject({ observedGeneration: deployment.metadata.generation, updatedReplicas: 1, availableReplicas: 1 });
    }

    cluster.appendPodLog('kserve-container', 'INFO:kserve:Registering model: iris');
    cluster.appendPodLog('kserve-container', 'INFO:uvicorn.error:Uvicorn running on http://0.0.0.0:8080');
    const logs = await p.run('model-deployer', 'logs', v1.uuid);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/Registering model: iris\n.*Uvicorn running on http:\/\/0\.0\.0\.0:8080\n$/);

    const stopped = await p.json('model-deployer', 'stop', v1.uuid);
    expect(stopped).toMatchObject({ uuid: v1.uuid, state: 'inactive', predictionUrl: null, info: { STOPPED: 'true (serving.kserve.io/stop)' } });
    expect((await reads.isvc(ns, name)).metadata.annotations['serving.kserve.io/stop']).toBe('true');
    // KServe deletes the Deployment and clears the status (keeping only PredictorReady False/Stopped).
    expect(await eventually(() => reads.deploymentNames(ns, name), (d) => d.length === 0)).toEqual([]);
    const cleared = await eventually(() => reads.isvc(ns, name), (r) => r.status?.conditions?.some((c: any) => c.reason === 'Stopped'));
    expect(cleared.status.conditions.find((c: any) => c.type === 'PredictorReady')).toMatchObject({ status: 'False', reason: 'Stopped' });
    expect((await p.json<any[]>('model-deployer', 'find', '--uuid', v1.uuid))[0].state).toBe('inactive');
    expect((await p.run('model-deployer', 'stop', v1.uuid)).code).toBe(0);

    // The InferenceService's generation is 3 and KServe's observedGeneration is the new Deployment's (1): start must
    // not wait for them to agree.
    const started = await p.json('model-deployer', 'start', v1.uuid, '--timeout', '60');
    expect(started).toMatchObject({ uuid: v1.uuid, state: 'active', lastError: '' });
    expect((await reads.isvc(ns, name)).metadata.annotations).not.toHaveProperty('serving.kserve.io/stop');
    expect(await reads.deploymentNames(ns, name)).toEqual([`${name}-predictor`]);
  });

  test('canary: --replace -c canaryTrafficPercent=10 adds spec.canary[] beside the live predictor; promote makes it the predictor, rollback removes it, neither touching the annotations', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const v1 = await p.json(...deployArgs('iris', '--model-uri', 's3://models/iris-v1'));
    const name = `zenml-${v1.uuid}`;

    // Nothing to roll back or promote yet (exit 2), nothing changed.
    for (const verb of ['rollback', 'promote']) {
      const early = await p.run('model-deployer', verb, v1.uuid);
      expect(early.code).toBe(2);
      expect(early.stderr).toMatch(new RegExp(`^zenml: error: model server ${v1.uuid} has no canary to ${verb}\\nhint: start one with deploy --replace -c canaryTrafficPercent=N`));
    }
    expect((await reads.isvc(ns, name)).metadata.generation).toBe(1);

    const v2 = await p.json(...deployArgs('iris', '--model-uri', 's3://models/iris-v2', '--replace', '-c', 'canaryTrafficPercent=10'));
    expect(v2).toMatchObject({ uuid: v1.uuid, state: 'active' });
    let resource = await reads.isvc(ns, name);
    expect(resource.spec.predictor.model.storageUri).toBe('s3://models/iris-v1');
    expect(resource.spec.predictor).not.toHaveProperty('name');
    expect(resource.spec.canary).toEqual([{ predictor: expect.objectContaining({ name: 'v2', model: expect.objectContaining({ modelFormat: { name: 'sklearn' }, storageUri: 's3://models/iris-v2' }) }), trafficPercent: 10 }]);
    expect(resource.status.canaryStatuses).toEqual([expect.objectContaining({ name: 'v2', ready: true, trafficPercent: 10 })]);
    expect(resource.status.conditions.find((c: any) => c.type === 'CanaryPredictorReady')).toMatchObject({ status: 'True', reason: 'AllCanariesReady' });
    expect(await reads.deploymentNames(ns, name)).toEqual([`${name}-predictor`, `${name}-v2-predictor`]);
    expect(v2.info).toMatchObject({ CANARY_TRAFFIC_PERCENT: '10', CANARY: 'v2 10% s3://models/iris-v2', TRAFFIC: `${name}-predictor 90%, ${name}-v2-predictor 10%`, MODEL_URI: 's3://models/iris-v1' });

    // promote: the canary's Deployment is kept (same uid) and becomes the predictor's; the annotations do not change.
    const annotations = resource.metadata.annotations;
    const canaryUid = (await reads.owned(ns, 'deployments', name)).find((d) => d.metadata.name === `${name}-v2-predictor`).metadata.uid;
    const promoted = await p.run('model-deployer', 'promote', v1.uuid);
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).toBe(`promoted model server ${v1.uuid}\n`);
    resource = await reads.isvc(ns, name);
    expect(resource.spec.predictor).toMatchObject({ name: 'v2', model: { storageUri: 's3://models/iris-v2' } });
    expect(resource.spec).not.toHaveProperty('canary');
    expect(resource.metadata.annotations).toEqual(annotations);
    const afterPromote = await reads.owned(ns, 'deployments', name);
    expect(afterPromote.map((d) => [d.metadata.name, d.metadata.uid])).toEqual([[`${name}-v2-predictor`, canaryUid]]);
    const described = await p.json('model-deployer', 'describe', v1.uuid);
    expect(described).toMatchObject({ state: 'active', info: { CANARY_TRAFFIC_PERCENT: '', CANARY: '', MODEL_URI: 's3://models/iris-v2' } });

    // A second canary (v3), then rollback: the canary goes, the predictor (v2) stays as it was.
    await p.json(...deployArgs('iris', '--model-uri', 's3://models/iris-v3', '--replace', '-c', 'canaryTrafficPercent=20'));
    expect(await reads.deploymentNames(ns, name)).toEqual([`${name}-v2-predictor`, `${name}-v3-predictor`]);
    const beforeRollback = (await reads.isvc(ns, name)).metadata.annotations;
    const rolled = await p.run('model-deployer', 'rollback', v1.uuid);
    expect(rolled.code).toBe(0);
    expect(rolled.stdout).toBe(`rolled back model server ${v1.uuid}\n`);
    resource = await reads.isvc(ns, name);
    expect(resource.spec).not.toHaveProperty('canary');
    expect(resource.spec.predictor).toMatchObject({ name: 'v2', model: { storageUri: 's3://models/iris-v2' } });
    expect(resource.metadata.annotations).toEqual(beforeRollback);
    expect(await reads.deploymentNames(ns, name)).toEqual([`${name}-v2-predictor`]);

    // Without a canary, --replace is a full rollout of the predictor, in place (its name, so its Deployment, kept).
    const v4 = await p.json(...deployArgs('iris', '--model-uri', 's3://models/iris-v4', '--replace'));
    expect(v4).toMatchObject({ uuid: v1.uuid, state: 'active', info: { MODEL_URI: 's3://models/iris-v4', CANARY: '' } });
    expect((await reads.isvc(ns, name)).spec.predictor).toMatchObject({ name: 'v2', model: { storageUri: 's3://models/iris-v4' } });
    expect(await reads.deploymentNames(ns, name)).toEqual([`${name}-v2-predictor`]);
    expect((await reads.isvcs(ns)).length).toBe(1);
    const none = await p.run('model-deployer', 'promote', v1.uuid, '--json');
    expect(none.code).toBe(2);
    expect(parseJson(none).error).toMatchObject({ code: 'NO_CANARY', exitCode: 2 });
   }, 240_000);

  test('promote and rollback of an unknown uuid on a flavor without revisions: the uuid is looked up first, exit 3', async () => {
    // The local flavor's exit 2 (no revisions) for a real server is checked in test/e2e/contract.test.ts.
    const p = await makeProject([], 'local');
    for (const verb of ['promote', 'rollback']) {
      const r = await p.run('model-deployer', verb, 'abc');
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/^zenml: error: no model server with uuid abc in deployer /);
      const json = await p.run('model-deployer', verb, 'abc', '--json');
      expect(parseJson(json).error).toMatchObject({ code: 'NOT_FOUND', exitCode: 3 });
    }
  });

  test('a model that cannot load (kwok fails the storage initializer): the wait ends with exit 1 and the reason the pod carries', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const view = await p.json(...deployArgs('iris'));
    const name = `zenml-${view.uuid}`;
    // KServe copies the InferenceService's labels into the pod template: its pods from now on fail.
    await rawCall(cluster.api, 'PATCH', `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}/${name}`, { metadata: { labels: { [KWOK_FAIL_LABEL]: 'true' } } }, 'application/merge-patch+json');
    const r = await p.run(...deployArgs('iris', '--model-uri', 's3://models/iris-v2', '--replace', '--timeout', '90'));
    expect(r.code).toBe(1);
    // KServe's pod mutator (a real webhook here) adds the storage-initializer init container that kwok fails.
    expect(r.stderr).toMatch(new RegExp(`\nzenml: error: model server ${view.uuid} failed: Deployment ${name}-predictor: pod ${name}-predictor-[a-z0-9-]+: container storage-initializer: initContainerError: initContainer reported errors\\n`));
    const [found] = await p.json<any[]>('model-deployer', 'find', '--uuid', view.uuid);
    expect(found).toMatchObject({ state: 'error', lastError: expect.stringContaining('initContainerError') });
    // Its ReplicaSet keeps making pods that fail: delete it (and wait for them to go) so the churn ends here.
    expect((await p.run('model-deployer', 'delete', view.uuid)).code).toBe(0);
    expect(await reads.owned(ns, 'pods', name)).toEqual([]);
  });

  test('a pod that cannot be scheduled: exit 4 naming what the wait was at; find shows it pending with that reason; --timeout 0 returns at once', async () => {
    const ns = await namespace();
    const p = await project(ns);
    // 100 CPUs: more than the kwok Node has, so the pod stays Pending (not an error: the cluster may grow). The limit
    // too: KServe's webhook would default it to 1, below the request, and the pod would be invalid.
    const unschedulable = (model: string, ...more: string[]) => deployArgs(model, '-c', 'resources={"requests":{"cpu":"100"},"limits":{"cpu":"100"}}', ...more);
    await expectDeployTimesOut(p.run, unschedulable);
    const r = await p.run(...unschedulable('never-ready-3', '--timeout', '3'));
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/did not reach state active within 3s \(it is pending_startup: Deployment zenml-[0-9a-f-]+-predictor: 0 of 1 updated replicas are available \(pod [^ ]+: Unschedulable: [^)]*\)\)\n/);
    const found = await p.json<any[]>('model-deployer', 'find', '-m', 'never-ready');
    expect(found).toEqual([expect.objectContaining({ state: 'pending_startup', lastError: expect.stringMatching(/^Deployment zenml-.*-predictor: 0 of 1 updated replicas are available \(pod zenml-.*: Unschedulable: 0\/1 nodes are available: 1 Insufficient cpu.*\)$/) })]);
    const quick = await p.json(...unschedulable('never-ready-4', '--timeout', '0'));
    expect(quick.state).toBe('pending_startup');
  });

  test('delete waits until the InferenceService, its Deployment and its pods are gone; an unknown uuid exits 3', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const a = await p.json(...deployArgs('iris'));
    const name = `zenml-${a.uuid}`;
    expect((await reads.owned(ns, 'pods', name)).length).toBeGreaterThan(0);
    expect(await p.json('model-deployer', 'delete', a.uuid)).toEqual({ uuid: a.uuid, deleted: true });
    await expect(reads.isvc(ns, name)).rejects.toMatchObject({ code: 404 });
    expect(await reads.owned(ns, 'deployments', name)).toEqual([]);
    expect(await reads.owned(ns, 'pods', name)).toEqual([]);
    expect(await p.json<any[]>('model-deployer', 'find')).toEqual([]);
    for (const verb of ['delete', 'promote', 'describe']) expect((await p.run('model-deployer', verb, a.uuid)).code).toBe(3);
  });

  test('a second machine (another folder, dotfile and HOME; the same kubeconfig) finds the same services from the cluster alone', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const deployed = [await p.json(...deployArgs('iris')), await p.json(...deployArgs('wine'))];
    const other = await project(ns);
    const seen = await other.json<any[]>('model-deployer', 'find');
    expect(seen.map((s) => s.uuid).sort()).toEqual(deployed.map((d) => d.uuid).sort());
    const theirs = seen.find((s) => s.uuid === deployed[1].uuid);
    expect({ ...theirs, updatedAt: undefined }).toEqual({ ...deployed[1], updatedAt: undefined });
    await other.json('model-deployer', 'stop', deployed[0].uuid);
    expect((await p.json<any[]>('model-deployer', 'find', '--uuid', deployed[0].uuid))[0].state).toBe('inactive');
  });

  test('with baseUrl, info gives the Host header of status.url and predict sends it to the ingress', async () => {
    const ns = await namespace();
    const seen: Array<{ url?: string; headers: IncomingHttpHeaders; body: string }> = [];
    const ingress: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ url: req.url, headers: req.headers, body });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ predictions: [1, 0] }));
      });
    });
    await new Promise<void>((r) => ingress.listen(0, '127.0.0.1', r));
    try {
      const baseUrl = `http://127.0.0.1:${(ingress.address() as AddressInfo).port}`;
      const p = await project(ns, ['--base-url', baseUrl]);
      const view = await p.json(...deployArgs('iris'));
      const name = `zenml-${view.uuid}`;
      const host = new URL((await reads.isvc(ns, name)).status.url).host;
      expect(view.info).toMatchObject({ PREDICTION_URL: `${baseUrl}/v1/models/${name}:predict`, HOST_HEADER: host });
      const answer = await p.json('model-deployer', 'predict', view.uuid, '--data', '{"instances": [[1, 2, 3, 4], [5, 6, 7, 8]]}');
      expect(answer).toEqual({ predictions: [1, 0] });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ url: `/v1/models/${name}:predict`, headers: { host }, body: '{"instances": [[1, 2, 3, 4], [5, 6, 7, 8]]}' });
    } finally {
      await new Promise((r) => ingress.close(r));
    }
  });

  test('RBAC: a read-only identity may not create inferenceservices (exit 2, one line); it reads the state without listing Deployments', async () => {
    const ns = await namespace();
    const viewer = await project(ns, [], cluster.restrictedKubeconfigPath);
    const r = await viewer.run(...deployArgs('iris'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^zenml: error: the identity of context 'zenml-test' may not create inferenceservices\.serving\.kserve\.io in namespace 'k[^']+' \(403 Forbidden: .*"viewer".*\)\nhint: grant it 'create'/);
    expect(await viewer.json<any[]>('model-deployer', 'find')).toEqual([]);
    const admin = await project(ns);
    const deployed = await admin.json(...deployArgs('iris'));
    expect(await viewer.json<any[]>('model-deployer', 'find')).toEqual([expect.objectContaining({ uuid: deployed.uuid, state: 'active' })]);
  });

  test('404: a namespace that does not exist exits 3; 422: what the API server rejects comes back as its field message (exit 2)', async () => {
    const missing = await project('no-such-namespace');
    const deploy = await missing.run(...deployArgs('iris'));
    expect(deploy.code).toBe(3);
    expect(deploy.stderr).toMatch(/namespace 'no-such-namespace' does not exist in the cluster of context 'zenml-test'/);
    expect((await missing.run('model-deployer', 'find')).code).toBe(3);

    const ns = await namespace();
    const p = await project(ns);
    const big = 'x'.repeat(100_000);
    const r = await p.run(...deployArgs('iris', '--description', big, '--name', big, '--model-version', big));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^zenml: error: the Kubernetes API server rejected inferenceservices\.serving\.kserve\.io 'zenml-[0-9a-f-]+': .*metadata\.annotations: Too long/);
    expect(r.stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(2);
    expect(await reads.isvcs(ns)).toEqual([]);
  });
});

describeKube('kserve flavor with KServe\'s CRDs and no KServe manager', () => {
  let cluster: KubeCluster;
  let reads: ReturnType<typeof clusterReads>;
  beforeAll(async () => {
    cluster = await startKubeCluster({ crds: ['kserve'] });
    const objects = adminClient(cluster).makeApiClient(CustomObjectsApi);
    reads = clusterReads(cluster.api, () => objects);
    // Right after a CRD is established its watch cache may still answer 429 "storage is (re)initializing" (the
    // flavor's retry of that is tested elsewhere): these tests start once it lists.
    await eventually(() => reads.isvcs('default').then(() => true, () => false), (ok) => ok);
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  test('the controller not running is named: in the timeout (exit 4) and in find; a delete that cannot finish names what is left', async () => {
    await createNamespace(cluster, 'silent');
    const p = await makeProject(clusterSettings(cluster.kubeconfigPath, 'silent', ['--deployment-mode', 'Standard']));
    const r = await p.run(...deployArgs('iris', '--timeout', '17'));
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 4,
      stderr: expect.stringMatching(/did not reach state active within 17s \(it is pending_startup: the InferenceService has no status from KServe after 1\d s: is the KServe controller running\?\)\n/),
    });
    const [found] = await p.json<any[]>('model-deployer', 'find');
    expect(found).toMatchObject({ state: 'pending_startup', lastError: expect.stringMatching(/^the InferenceService has no status from KServe after \d+ s: is the KServe controller running\?$/) });

    // No garbage collector in this cluster either: a foreground delete waits in vain, and the timeout says what is left.
    const del = await p.run('model-deployer', 'delete', found.uuid, '--timeout', '2');
    expect({ code: del.code, stderr: del.stderr }).toEqual({
      code: 4,
      stderr: `deleting InferenceService 'zenml-${found.uuid}' and what it owns\nzenml: error: InferenceService 'zenml-${found.uuid}' in namespace 'silent' was still there after 2s\nhint: it waits for finalizers: foregroundDeletion (the garbage collector deletes what it owns first)\n`,
    });
    expect((await p.json<any[]>('model-deployer', 'find'))[0].state).toBe('pending_shutdown');
  });

  test('Knative mode (stand-in for KServe over Knative): canaryTrafficPercent splits the traffic; promote and rollback patch the spec only, cutting no revision', async () => {
    const standIn = await startStandInKserveController(cluster);
    try {
      await createNamespace(cluster, 'knative');
      // The old name Serverless is accepted and written as Knative.
      const p = await makeProject(clusterSettings(cluster.kubeconfigPath, 'knative', ['--deployment-mode', 'Serverless']));
      const v1 = await p.json(...deployArgs('iris', '--model-uri', 's3://models/iris-v1'));
      const name = `zenml-${v1.uuid}`;
      const rev = (n: number) => `${name}-predictor-0000${n}`;
      const predictorStatus = async () => (await reads.isvc('knative', name)).status.components.predictor;
      expect((await reads.isvc('knative', name)).metadata.annotations['serving.kserve.io/deploymentMode']).toBe('Knative');
      expect(v1.info).toMatchObject({ DEPLOYMENT_MODE: 'Knative', TRAFFIC: `${rev(1)} 100% (latest)` });

      const early = await p.run('model-deployer', 'rollback', v1.uuid);
      expect(early.code).toBe(2);
      expect(early.stderr).toMatch(/has no previous ready revision to roll back to/);

      const v2 = await p.json(...deployArgs('iris', '--model-uri', 's3://models/iris-v2', '--replace', '-c', 'canaryTrafficPercent=10'));
      expect(v2).toMatchObject({ state: 'active', info: { CANARY_TRAFFIC_PERCENT: '10', TRAFFIC: `${rev(2)} 10% (latest), ${rev(1)} 90%` } });
      expect((await reads.isvc('knative', name)).spec.predictor.canaryTrafficPercent).toBe(10);

      const annotations = (await reads.isvc('knative', name)).metadata.annotations;
      const promoted = await p.json('model-deployer', 'promote', v1.uuid);
      expect(promoted).toMatchObject({ state: 'active', info: { CANARY_TRAFFIC_PERCENT: '', TRAFFIC: `${rev(2)} 100% (latest)` } });
      let resource = await reads.isvc('knative', name);
      expect(resource.spec.predictor).not.toHaveProperty('canaryTrafficPercent');
      expect(resource.metadata.annotations).toEqual(annotations);
      // No new revision: the annotations (which KServe copies into the revision template) did not change.
      expect(await predictorStatus()).toMatchObject({ latestCreatedRevision: rev(2), latestRolledoutRevision: rev(2), previousRolledoutRevision: rev(1) });

      await p.json(...deployArgs('iris', '--model-uri', 's3://models/iris-v3', '--replace', '-c', 'canaryTrafficPercent=20'));
      const rolled = await p.run('model-deployer', 'rollback', v1.uuid);
      expect(rolled.code).toBe(0);
      expect(rolled.stdout).toBe(`rolled back model server ${v1.uuid}: ${rev(3)} 0% (latest), ${rev(2)} 100%\n`);
      resource = await reads.isvc('knative', name);
      expect(resource.spec.predictor.canaryTrafficPercent).toBe(0);
      expect((await predictorStatus()).latestCreatedRevision).toBe(rev(3));
      expect(standIn.errors).toEqual([]);
    } finally {
      await standIn.stop();
    }
  });
});

describeKube('kserve flavor against a cluster without KServe', () => {
  let cluster: KubeCluster;
  beforeAll(async () => {
    cluster = await startKubeCluster({ crds: [] });
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  test('"KServe is not installed in this cluster" (exit 2), for deploy and find', async () => {
    const p = await makeProject(clusterSettings(cluster.kubeconfigPath, 'default'));
    const deploy = await p.run('model-deployer', 'deploy', '--model-uri', 's3://m/iris', '--model-type', 'sklearn');
    expect(deploy.code).toBe(2);
    expect(deploy.stderr).toMatch(/^zenml: error: KServe is not installed in this cluster \(the API server of context 'zenml-test' does not serve inferenceservices\.serving\.kserve\.io\)\nhint: install KServe/);
    const find = await p.run('model-deployer', 'find', '--json');
    expect(find.code).toBe(2);
    expect(parseJson(find).error).toMatchObject({ code: 'KUBERNETES_KIND_NOT_INSTALLED', exitCode: 2 });
  });
});
