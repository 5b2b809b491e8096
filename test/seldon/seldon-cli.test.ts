// End-to-end: the `seldon` flavor driven through the built `zenml` binary against a real cluster started by the test
// (test/k8s/cluster.ts): kube-apiserver, etcd, kube-controller-manager, kube-scheduler, kwok's fake Node, and the
// real Seldon Core 1.17.1 operator with its CRD and admission webhooks. Everything the flavor does goes through the
// real API server and is acted on by the real operator: create, merge patches, label selectors, annotations, status
// reads, rollouts of the Deployments it makes, scale, foreground delete, RBAC, pod logs served by kwok, a container
// that keeps failing (kwok's chaos stage), pods no Node can take, a missing CRD, a missing namespace, an API server
// that does not answer, an operator that is not running.
import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { adminClient, createNamespace, startKubeCluster, type KubeCluster } from '../k8s/cluster.js';
import { expectDeployTimesOut } from '../k8s/deploy-timeout.js';
import { describeKube } from '../k8s/require-kube.js';
import { KWOK_FAIL_LABEL } from '../k8s/control-plane.js';
import { freePort } from '../k8s/kube-processes.js';
import { ZENML_BIN, isolatedEnv, killRunningZenml, parseJson, runZenml, type RunResult } from '../helpers/cli.js';
import { TempDirs } from '../helpers/temp.js';

const GROUP = 'machinelearning.seldon.io';
const BASE_URL = 'http://ingress.example.com';
const temps = new TempDirs();
let nsCounter = 0;

/** A project dir with a `seldon` deployer `k8s` in the active stack. */
interface Project {
  dir: string;
  run: (...args: string[]) => Promise<RunResult>;
  json: <T = any>(...args: string[]) => Promise<T>;
}

function failed(args: string[], r: RunResult): Error {
  return new Error(`zenml ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

async function makeProject(settings: string[]): Promise<Project> {
  const dir = temps.dir('zenml-seldon-');
  const run = (...args: string[]) => runZenml(args, { cwd: dir, timeoutMs: 150_000 });
  const json = async <T = any>(...args: string[]): Promise<T> => {
    const r = await run(...args, '--json');
    if (r.code !== 0) throw failed(args, r);
    return parseJson<T>(r);
  };
  for (const args of [['init'], ['model-deployer', 'register', 'k8s', '--flavor', 'seldon', ...settings], ['stack', 'register', 'prod', '-d', 'k8s', '--set']]) {
    const r = await run(...args);
    if (r.code !== 0) throw failed(args, r);
  }
  return { dir, run, json };
}

function clusterSettings(kubeconfig: string, namespace: string): string[] {
  return ['--kubeconfig', kubeconfig, '--kubernetes-context', 'zenml-test', '--kubernetes-namespace', namespace, '--base-url', BASE_URL];
}

afterEach(() => {
  killRunningZenml();
  temps.cleanup();
});

describeKube('seldon flavor through the zenml binary, against a real Kubernetes API server', () => {
  let cluster: KubeCluster;
  let objects: CustomObjectsApi;
  let apps: AppsV1Api;

  beforeAll(async () => {
    cluster = await startKubeCluster({ controller: 'seldon' });
    objects = adminClient(cluster).makeApiClient(CustomObjectsApi);
    apps = adminClient(cluster).makeApiClient(AppsV1Api);
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  /** The Deployments the operator made for a SeldonDeployment. */
  async function deploymentsOf(ns: string, name: string) {
    return (await apps.listNamespacedDeployment({ namespace: ns, labelSelector: `seldon-deployment-id=${name}` })).items;
  }

  /** A fresh namespace, so no test sees another's deployments. */
  async function namespace(): Promise<string> {
    const name = `t${++nsCounter}-${process.pid}`;
    await createNamespace(cluster, name);
    return name;
  }

  async function project(ns: string, kubeconfig = cluster.kubeconfigPath, extra: string[] = []): Promise<Project> {
    return makeProject([...clusterSettings(kubeconfig, ns), ...extra]);
  }

  async function sdep(ns: string, name: string): Promise<any> {
    return objects.getNamespacedCustomObject({ group: GROUP, version: 'v1', namespace: ns, plural: 'seldondeployments', name });
  }

  async function sdeps(ns: string): Promise<any[]> {
    return ((await objects.listNamespacedCustomObject({ group: GROUP, version: 'v1', namespace: ns, plural: 'seldondeployments' })) as any).items;
  }

  /** Poll `find` until the service has `state` (bounded; fails with what it saw). */
  async function waitForState(p: Project, uuid: string, state: string, timeoutMs = 30_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    let last: any;
    while (Date.now() < deadline) {
      last = (await p.json<any[]>('model-deployer', 'find', '--uuid', uuid))[0];
      if (last?.state === state) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`service ${uuid} did not become ${state} within ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`);
  }

  const deployArgs = (model: string, ...more: string[]) => [
    'model-deployer', 'deploy', '--model-uri', `s3://models/${model}`, '--model-name', model, '--model-type', 'sklearn',
    '--pipeline-name', 'training', '--pipeline-step-name', 'deployer', '--pipeline-run-id', `run-${model}`, ...more,
  ];

  test('register: the settings are validated and stored, and describe shows them', async () => {
    const ns = await namespace();
    const p = await project(ns, cluster.kubeconfigPath, ['--secret', 's3-credentials']);
    const described = await p.json('model-deployer', 'describe', 'k8s');
    expect(described).toMatchObject({ name: 'k8s', flavor: 'seldon', settings: { kubeconfig: cluster.kubeconfigPath, kubernetesContext: 'zenml-test', kubernetesNamespace: ns, baseUrl: BASE_URL, secret: 's3-credentials' } });
    const bad = await p.run('model-deployer', 'register', 'broken', '--flavor', 'seldon', '--base-url', 'not a url');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--base-url: expected an http\(s\) URL/);
  });

  test('deploy waits for Available; the SeldonDeployment carries the spec, labels and annotation; describe and get-url show the ingress URLs', async () => {
    const ns = await namespace();
    const p = await project(ns, cluster.kubeconfigPath, ['--secret', 's3-credentials', '--service-account-name', 'models-sa']);
    const view = await p.json(...deployArgs('iris', '-c', 'replicas=2', '-c', 'parameters={"method":"predict_proba"}'));
    const name = `zenml-${view.uuid}`;
    expect(view).toMatchObject({ state: 'active', flavor: 'seldon', deployer: 'k8s', modelName: 'iris', modelUri: 's3://models/iris', lastError: '' });
    expect(view.predictionUrl).toBe(`${BASE_URL}/seldon/${ns}/${name}/api/v1.0/predictions`);
    expect(view.info).toMatchObject({
      PREDICTION_URL: `${BASE_URL}/seldon/${ns}/${name}/api/v1.0/predictions`,
      HEALTH_CHECK_URL: `${BASE_URL}/seldon/${ns}/${name}/api/v1.0/health/status`,
      NAMESPACE: ns,
      RESOURCE: `SeldonDeployment/${name}`,
      CONTEXT: 'zenml-test',
      IMPLEMENTATION: 'SKLEARN_SERVER',
      REPLICAS: '2',
    });

    const resource = await sdep(ns, name);
    expect(resource.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'zenml', 'zenml.io/service-uuid': view.uuid, 'zenml.io/model-name': 'iris', 'zenml.io/pipeline-name': 'training' });
    expect(JSON.parse(resource.metadata.annotations['zenml.io/service'])).toMatchObject({ uuid: view.uuid, type: 'seldon-deployment', config: { modelName: 'iris', replicas: 2 } });
    expect(resource.spec.predictors).toEqual([
      expect.objectContaining({
        name: 'default',
        replicas: 2,
        graph: expect.objectContaining({ name: 'classifier', type: 'MODEL', implementation: 'SKLEARN_SERVER', modelUri: 's3://models/iris', envSecretRefName: 's3-credentials', serviceAccountName: 'models-sa', parameters: [{ name: 'method', value: 'predict_proba', type: 'STRING' }] }),
      }),
    ]);
    expect(resource.status.state).toBe('Available');

    const human = await p.run('model-deployer', 'describe', view.uuid);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`SeldonDeployment/${name}`);
    const url = await p.run('model-deployer', 'models', 'get-url', view.uuid.slice(0, 8));
    expect(url.stdout.trim()).toBe(view.info.PREDICTION_URL);
  });

  test('deploy --timeout 0 returns at once with pending_startup; the state then comes from the cluster', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const view = await p.json(...deployArgs('iris', '--timeout', '0'));
    expect(view.state).toBe('pending_startup');
    await waitForState(p, view.uuid, 'active');
  });

  test('onnx models go to TRITON_SERVER with the v2 protocol and v2 URLs', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const view = await p.json('model-deployer', 'deploy', '--model-uri', 'gs://models/resnet', '--model-name', 'resnet', '--model-type', 'onnx');
    expect(view.info).toMatchObject({ IMPLEMENTATION: 'TRITON_SERVER', PROTOCOL: 'v2', PREDICTION_URL: `${BASE_URL}/seldon/${ns}/zenml-${view.uuid}/v2/models/resnet/infer` });
    expect((await sdep(ns, `zenml-${view.uuid}`)).spec.protocol).toBe('v2');
  });

  test("a container that keeps failing ends the wait with exit 1 and the reason its pod carries (Seldon itself says Failed only after the progress deadline); find shows it as error", async () => {
    const ns = await namespace();
    const p = await project(ns);
    // kwok's chaos stage fails the init containers of pods with this label, as a model initializer that cannot download
    // the model would; Seldon copies predictor labels onto its pods.
    const r = await p.run(...deployArgs('bad-model', '--timeout', '120', '-c', `podLabels={"${KWOK_FAIL_LABEL}":"true"}`));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/zenml: error: model server [0-9a-f-]{36} failed: Deployment zenml-[0-9a-f-]+-default-0-classifier: pod zenml-[^ ]+: container classifier-model-initializer: initContainerError: initContainer reported errors/);
    const [found] = await p.json<any[]>('model-deployer', 'find', '--model-name', 'bad-model');
    expect(found).toMatchObject({ state: 'error', lastError: expect.stringContaining('initContainerError') });
    // What Seldon itself says meanwhile: still Creating (its Failed needs the Deployment's progressDeadlineSeconds).
    expect((await sdep(ns, `zenml-${found.uuid}`)).status.state).toBe('Creating');
  });

  test('a deployment whose pods no Node can take times out with exit 4, naming what the scheduler says', async () => {
    const ns = await namespace();
    const p = await project(ns);
    await expectDeployTimesOut(p.run, deployArgs, ['-c', 'resources={"requests":{"cpu":"1000"}}'], /Unschedulable: 0\/1 nodes are available: 1 Insufficient cpu/);
    const [found] = await p.json<any[]>('model-deployer', 'find', '--model-name', 'never-ready');
    expect(found).toMatchObject({ state: 'pending_startup', lastError: expect.stringContaining('Insufficient cpu') });
  });

  test('bad -c settings fail before anything is created (exit 2)', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const r = await p.run(...deployArgs('iris', '-c', 'replicas=two'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('-c replicas=two: expected a whole number of replicas (got "two")');
    const untyped = await p.run('model-deployer', 'deploy', '--model-uri', 's3://m/x', '--model-type', 'pytorch');
    expect(untyped.code).toBe(2);
    expect(untyped.stderr).toMatch(/no Seldon implementation for model type 'pytorch'/);
    expect(await sdeps(ns)).toEqual([]);
  });

  test('find filters by every key (server-side labels, then exactly), and only lists what zenml created', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const a = await p.json(...deployArgs('iris', '--timeout', '0'));
    const b = await p.json('model-deployer', 'deploy', '--model-uri', 's3://models/wine v2', '--model-name', 'wine', '--model-type', 'xgboost', '--pipeline-name', 'other pipeline', '--pipeline-step-name', 'push', '--pipeline-run-id', 'run-b', '--timeout', '0');
    // A SeldonDeployment someone else made, in the same namespace: never listed, never touched.
    await objects.createNamespacedCustomObject({
      group: GROUP, version: 'v1', namespace: ns, plural: 'seldondeployments',
      body: { apiVersion: `${GROUP}/v1`, kind: 'SeldonDeployment', metadata: { name: 'hand-made', labels: { 'zenml.io/model-name': 'iris' } }, spec: { predictors: [{ name: 'default', graph: { name: 'classifier', implementation: 'SKLEARN_SERVER', modelUri: 's3://models/iris' } }] } },
    });
    const uuids = async (...filter: string[]) => (await p.json<any[]>('model-deployer', 'find', ...filter)).map((s) => s.uuid).sort();
    expect(await uuids()).toEqual([a.uuid, b.uuid].sort());
    expect(await uuids('--model-name', 'iris')).toEqual([a.uuid]);
    expect(await uuids('--model-name', 'wine')).toEqual([b.uuid]);
    expect(await uuids('--model-uri', 's3://models/wine v2')).toEqual([b.uuid]);
    expect(await uuids('--model-uri', 's3://models/wine')).toEqual([]);
    expect(await uuids('--model-type', 'xgboost')).toEqual([b.uuid]);
    expect(await uuids('--pipeline-name', 'other pipeline')).toEqual([b.uuid]);
    expect(await uuids('--pipeline-name', 'other-pipeline')).toEqual([]);
    expect(await uuids('--pipeline-step-name', 'deployer')).toEqual([a.uuid]);
    expect(await uuids('--pipeline-run-id', 'run-b')).toEqual([b.uuid]);
    expect(await uuids('--uuid', a.uuid)).toEqual([a.uuid]);
    expect(await uuids('--uuid', b.uuid.slice(0, 6))).toEqual([b.uuid]);
    expect(await uuids('--model-name', 'iris', '--pipeline-name', 'other pipeline')).toEqual([]);
    await waitForState(p, a.uuid, 'active');
    await waitForState(p, b.uuid, 'active');
    expect(await uuids('--running')).toEqual([a.uuid, b.uuid].sort());
    const quiet = await p.run('model-deployer', 'find', '-q', '--model-name', 'wine');
    expect(quiet.stdout).toBe(`${b.uuid}\n`);
    expect((await sdep(ns, 'hand-made')).metadata.annotations).toBeUndefined();
  });

  test('continuous deployment: --replace patches the same SeldonDeployment (same uuid and name, generation bumped)', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const v1 = await p.json(...deployArgs('iris'));
    const name = `zenml-${v1.uuid}`;
    const before = await sdep(ns, name);
    // Without --replace, an identical running server is returned as it is.
    expect((await p.json(...deployArgs('iris'))).uuid).toBe(v1.uuid);
    const v2 = await p.json('model-deployer', 'deploy', '--replace', '--model-uri', 's3://models/iris-v2', '--model-name', 'iris', '--model-type', 'sklearn', '--pipeline-name', 'training', '--pipeline-step-name', 'deployer', '-c', 'replicas=3');
    expect(v2).toMatchObject({ uuid: v1.uuid, state: 'active', modelUri: 's3://models/iris-v2' });
    // active means the operator has rolled the new spec out: its Deployment carries the new spec mark, every replica
    // is updated and available, and no old pod is left (Seldon writes no observedGeneration to tell this by).
    const [rolled] = await deploymentsOf(ns, name);
    const after = await sdep(ns, name);
    expect(rolled!.metadata!.annotations!['zenml.io/spec-hash']).toBe(after.spec.annotations['zenml.io/spec-hash']);
    expect(rolled!.metadata!.annotations!['zenml.io/spec-hash']).not.toBe(before.spec.annotations['zenml.io/spec-hash']);
    expect(rolled!.status).toMatchObject({ replicas: 3, updatedReplicas: 3, availableReplicas: 3 });
    expect(rolled!.status!.observedGeneration).toBe(rolled!.metadata!.generation);
    expect(JSON.stringify(rolled!.spec!.template.spec!.initContainers ?? [])).toContain('s3://models/iris-v2');
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.metadata.generation).toBeGreaterThan(before.metadata.generation);
    expect(after.spec.predictors[0]).toMatchObject({ replicas: 3, graph: { modelUri: 's3://models/iris-v2' } });
    // The labels follow the new config: the old run id is gone (no --pipeline-run-id this time).
    expect(after.metadata.labels).not.toHaveProperty('zenml.io/pipeline-run-id');
    expect(after.metadata.labels['zenml.io/model-uri-hash']).not.toBe(before.metadata.labels['zenml.io/model-uri-hash']);
    expect((await sdeps(ns)).map((s) => s.metadata.name)).toEqual([name]);
    expect(await p.json<any[]>('model-deployer', 'find', '--model-uri', 's3://models/iris')).toEqual([]);
  });

  test('stop scales every predictor to 0 and remembers the count; start scales back; a stopped deployment is inactive and findable', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const view = await p.json(...deployArgs('iris', '-c', 'replicas=2'));
    const name = `zenml-${view.uuid}`;
    const stopped = await p.json('model-deployer', 'stop', view.uuid);
    expect(stopped).toMatchObject({ uuid: view.uuid, state: 'inactive' });
    const resource = await sdep(ns, name);
    expect(resource.spec.predictors.map((x: any) => x.replicas)).toEqual([0]);
    expect(JSON.parse(resource.metadata.annotations['zenml.io/replicas-before-stop'])).toEqual({ default: 2 });
    const [found] = await p.json<any[]>('model-deployer', 'find', '--model-name', 'iris');
    expect(found).toMatchObject({ state: 'inactive', predictionUrl: null, info: { REPLICAS: '0 (stopped; 2 on start)' } });
    expect(await p.json<any[]>('model-deployer', 'find', '--running')).toEqual([]);
    // A second stop changes nothing (and keeps the remembered count).
    expect((await p.run('model-deployer', 'stop', view.uuid)).code).toBe(0);
    expect(JSON.parse((await sdep(ns, name)).metadata.annotations['zenml.io/replicas-before-stop'])).toEqual({ default: 2 });
    const logs = await p.run('model-deployer', 'logs', view.uuid);
    expect(logs.code).toBe(3);
    expect(logs.stderr).toMatch(/no pod of SeldonDeployment '.*' yet/);

    const started = await p.json('model-deployer', 'start', view.uuid, '--timeout', '120');
    expect(started).toMatchObject({ uuid: view.uuid, state: 'active' });
    const back = await sdep(ns, name);
    expect(back.spec.predictors.map((x: any) => x.replicas)).toEqual([2]);
    expect(back.metadata.annotations).not.toHaveProperty('zenml.io/replicas-before-stop');
    // active after start means the Deployment is back at 2 available replicas, not only that the spec says 2.
    expect((await deploymentsOf(ns, name))[0]!.status).toMatchObject({ replicas: 2, availableReplicas: 2 });

    // Stop and start again after a replace, twice: each start waits for the rollout and ends active.
    await p.json('model-deployer', 'deploy', '--replace', '--model-uri', 's3://models/iris-v2', '--model-name', 'iris', '--model-type', 'sklearn', '--pipeline-name', 'training', '--pipeline-step-name', 'deployer', '--pipeline-run-id', 'run-iris', '-c', 'replicas=2');
    for (let round = 0; round < 2; round++) {
      expect((await p.json('model-deployer', 'stop', view.uuid)).state).toBe('inactive');
      expect((await p.json('model-deployer', 'start', view.uuid, '--timeout', '120')).state).toBe('active');
      expect((await deploymentsOf(ns, name))[0]!.status).toMatchObject({ replicas: 2, availableReplicas: 2 });
    }
  }, 300_000);

  test('delete removes the SeldonDeployment and waits until the API server no longer has it (--force: grace period 0)', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const a = await p.json(...deployArgs('iris', '--timeout', '0'));
    const b = await p.json(...deployArgs('wine', '--timeout', '0'));
    await waitForState(p, a.uuid, 'active', 90_000);
    expect(await deploymentsOf(ns, `zenml-${a.uuid}`)).toHaveLength(1);
    const deleted = await p.json('model-deployer', 'models', 'delete', a.uuid);
    expect(deleted).toEqual({ uuid: a.uuid, deleted: true });
    await expect(sdep(ns, `zenml-${a.uuid}`)).rejects.toMatchObject({ code: 404 });
    // Deleted in the foreground and waited for: the operator's Deployment and its pods are gone too.
    expect(await deploymentsOf(ns, `zenml-${a.uuid}`)).toEqual([]);
    const core = adminClient(cluster).makeApiClient(CoreV1Api);
    expect((await core.listNamespacedPod({ namespace: ns, labelSelector: `seldon-deployment-id=zenml-${a.uuid}` })).items).toEqual([]);
    expect((await p.run('model-deployer', 'models', 'delete', b.uuid, '--force')).code).toBe(0);
    expect(await sdeps(ns)).toEqual([]);
    expect(await p.json<any[]>('model-deployer', 'find')).toEqual([]);
    const again = await p.run('model-deployer', 'models', 'delete', a.uuid);
    expect(again.code).toBe(3);
  });

  test('10 concurrent deploys of different models all land, and a second machine (a fresh dotfile, the same kubeconfig) finds the same services', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const models = Array.from({ length: 10 }, (_, i) => `model-${i}`);
    const results = await Promise.all(models.map((m) => p.run(...deployArgs(m, '--timeout', '120', '--json'))));
    for (const [i, r] of results.entries()) if (r.code !== 0) throw failed(deployArgs(models[i]), r);
    const deployed = results.map((r) => parseJson(r));
    expect(deployed.map((d) => d.state)).toEqual(models.map(() => 'active'));
    expect(new Set(deployed.map((d) => d.uuid)).size).toBe(10);
    expect((await sdeps(ns)).length).toBe(10);

    // Another machine: another folder, another dotfile, another deployer name, no local state at all.
    const other = await makeProject(clusterSettings(cluster.kubeconfigPath, ns));
    const seen = await other.json<any[]>('model-deployer', 'find');
    expect(seen.map((s) => s.uuid).sort()).toEqual(deployed.map((d) => d.uuid).sort());
    const mine = deployed.find((d) => d.modelName === 'model-7');
    const theirs = seen.find((s) => s.uuid === mine.uuid);
    expect({ ...theirs, updatedAt: undefined }).toEqual({ ...mine, updatedAt: undefined });
    expect(await other.json<any[]>('model-deployer', 'find', '--model-name', 'model-7')).toHaveLength(1);
    // Ten CLI processes on a shared 2-core machine: each run is bounded by runZenml's own timeout.
  }, 400_000);

  test('logs: the classifier container of the pods labelled seldon-deployment-id=<name>, through the API server from kwok, with --tail and --follow', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const view = await p.json(...deployArgs('iris'));
    // kwok serves every classifier container's log from one file: what the test writes there is each pod's log.
    for (const line of ['Downloading model from s3://models/iris', 'Model loaded', 'Listening on 0.0.0.0:9000 (REST) and 0.0.0.0:9500 (gRPC)']) cluster.appendPodLog('classifier', line);
    const all = await p.run('model-deployer', 'logs', view.uuid);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/Downloading model from s3:\/\/models\/iris\n/);
    const tail = await p.run('model-deployer', 'logs', view.uuid, '--tail', '1');
    expect(tail.stdout).toBe('Listening on 0.0.0.0:9000 (REST) and 0.0.0.0:9500 (gRPC)\n');
    const json = await p.json('model-deployer', 'logs', view.uuid, '--tail', '2');
    expect(json).toEqual({ uuid: view.uuid, lines: ['Model loaded', 'Listening on 0.0.0.0:9000 (REST) and 0.0.0.0:9500 (gRPC)'] });

    // --follow: a line written after the command started arrives; Ctrl-C ends it with exit 0.
    const child = spawn(process.execPath, [ZENML_BIN, 'model-deployer', 'logs', view.uuid, '--follow', '--tail', '1'], { cwd: p.dir, env: isolatedEnv(p.dir), stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
      const until = async (what: () => boolean, label: string) => {
        const deadline = Date.now() + 20_000;
        while (!what()) {
          if (Date.now() > deadline || child.exitCode !== null) throw new Error(`logs --follow: ${label} did not happen; stdout: ${out}\nstderr: ${err}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await until(() => out.includes('Listening on'), 'the tail line');
      cluster.appendPodLog('classifier', 'GET /api/v1.0/predictions 200');
      await until(() => out.includes('GET /api/v1.0/predictions 200'), 'the new line');
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(err).toBe('');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('logs of several replicas: each line prefixed with its pod, pods in order', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const view = await p.json(...deployArgs('iris', '-c', 'replicas=2'));
    cluster.appendPodLog('classifier', 'Listening on 0.0.0.0:9000 (REST) and 0.0.0.0:9500 (gRPC)');
    const r = await p.run('model-deployer', 'logs', view.uuid, '--tail', '1');
    expect(r.code).toBe(0);
    const core = adminClient(cluster).makeApiClient(CoreV1Api);
    const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: `seldon-deployment-id=zenml-${view.uuid}` })).items
      .sort((a, b) => a.metadata!.creationTimestamp!.getTime() - b.metadata!.creationTimestamp!.getTime() || a.metadata!.name!.localeCompare(b.metadata!.name!))
      .map((pod) => pod.metadata!.name!);
    expect(pods).toHaveLength(2);
    expect(r.stdout).toBe(pods.map((pod) => `[${pod}] Listening on 0.0.0.0:9000 (REST) and 0.0.0.0:9500 (gRPC)\n`).join(''));
  });

  test('403: an identity that may only read gets one line naming the verb and resource it lacks (exit 2); reading still works', async () => {
    const ns = await namespace();
    const p = await project(ns, cluster.restrictedKubeconfigPath);
    const r = await p.run(...deployArgs('iris'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^zenml: error: the identity of context 'zenml-test' may not create seldondeployments\.machinelearning\.seldon\.io in namespace 't[^']+' \(403 Forbidden: .*"viewer".*\)\nhint: grant it 'create'/);
    expect(await p.json<any[]>('model-deployer', 'find')).toEqual([]);
    const json = await p.run(...deployArgs('iris', '--json'));
    expect(parseJson(json).error).toMatchObject({ code: 'KUBERNETES_FORBIDDEN', exitCode: 2, details: { verb: 'create', resource: 'seldondeployments.machinelearning.seldon.io' } });
  });

  test('422: what the API server rejects comes back as its field message (exit 2)', async () => {
    const ns = await namespace();
    const p = await project(ns);
    // The service annotation over the API server's 256 KiB limit for all annotations (three arguments:
    // Linux caps one argument at 128 KiB).
    const big = 'x'.repeat(100_000);
    const r = await p.run(...deployArgs('iris', '-c', `parameters.note1=${big}`, '-c', `parameters.note2=${big}`, '-c', `parameters.note3=${big}`));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^zenml: error: the Kubernetes API server rejected seldondeployments\.machinelearning\.seldon\.io 'zenml-[0-9a-f-]+': .*metadata\.annotations: Too long/);
    expect(r.stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(2);
    expect(await sdeps(ns)).toEqual([]);
  });

  test('a namespace that does not exist: exit 3, for deploy and find', async () => {
    const p = await project('no-such-namespace');
    const deploy = await p.run(...deployArgs('iris'));
    expect(deploy.code).toBe(3);
    expect(deploy.stderr).toMatch(/namespace 'no-such-namespace' does not exist in the cluster of context 'zenml-test'/);
    const find = await p.run('model-deployer', 'find');
    expect(find.code).toBe(3);
  });

  test('an API server that does not answer: exit 1 naming the server URL and the context', async () => {
    const down = path.join(temps.dir('zenml-kube-down-'), 'down.kubeconfig');
    const port = await freePort();
    writeFileSync(down, readFileSync(cluster.kubeconfigPath, 'utf8').replace(cluster.server, `https://127.0.0.1:${port}`));
    const p = await project('default', down);
    for (const args of [['model-deployer', 'find'], deployArgs('iris')]) {
      const r = await p.run(...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`zenml: error: cannot reach the Kubernetes API server https://127.0.0.1:${port} (context 'zenml-test')`);
    }
  });

});

describeKube('seldon flavor against a cluster whose Seldon operator is not running', () => {
  let cluster: KubeCluster;
  beforeAll(async () => {
    // The CRD is installed, the Deployments would run, but no operator acts: the most common broken cluster.
    cluster = await startKubeCluster({ crds: ['seldon'], workloads: true });
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  test('the wait names the operator (exit 4), and find shows the resource as pending_startup with that reason', async () => {
    await createNamespace(cluster, 'noop');
    const p = await makeProject(clusterSettings(cluster.kubeconfigPath, 'noop'));
    const r = await p.run('model-deployer', 'deploy', '--model-uri', 's3://models/iris', '--model-name', 'iris', '--model-type', 'sklearn', '--timeout', '20');
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/did not reach state active within 20s \(it is pending_startup: the SeldonDeployment has no status from the Seldon operator after \d+ s: is the operator running\?\)/);
    const [found] = await p.json<any[]>('model-deployer', 'find');
    expect(found).toMatchObject({ state: 'pending_startup', lastError: expect.stringMatching(/is the operator running\?$/) });
  });
});

describeKube('seldon flavor against a cluster without Seldon Core', () => {
  let cluster: KubeCluster;
  beforeAll(async () => {
    cluster = await startKubeCluster({ crds: [] });
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  test('"Seldon Core is not installed in this cluster" (exit 2), for deploy and find', async () => {
    const p = await makeProject(clusterSettings(cluster.kubeconfigPath, 'default'));
    const deploy = await p.run('model-deployer', 'deploy', '--model-uri', 's3://m/iris', '--model-type', 'sklearn');
    expect(deploy.code).toBe(2);
    expect(deploy.stderr).toMatch(/^zenml: error: Seldon Core is not installed in this cluster \(the API server of context 'zenml-test' does not serve seldondeployments\.machinelearning\.seldon\.io\)\nhint: install Seldon Core/);
    const find = await p.run('model-deployer', 'find', '--json');
    expect(find.code).toBe(2);
    expect(parseJson(find).error).toMatchObject({ code: 'KUBERNETES_KIND_NOT_INSTALLED', exitCode: 2 });
  });
});

// No cluster needed: what the flavor says before or instead of reaching one.
describe('seldon flavor without a reachable cluster', () => {
  const kubeconfig = (dir: string, server: string) => {
    const file = path.join(dir, 'k.yaml');
    writeFileSync(file, `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster: {server: "${server}", insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\n`);
    return file;
  };

  test('an API server that accepts connections and never answers: exit 1 after the request timeout, not a hang', async () => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
      const p = await makeProject(['--kubeconfig', kubeconfig(temps.dir(), url), '--base-url', BASE_URL]);
      const r = await runZenml(['model-deployer', 'find'], { cwd: p.dir, env: { ZENML_KUBERNETES_REQUEST_TIMEOUT: '1' }, timeoutMs: 30_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`zenml: error: cannot reach the Kubernetes API server ${url} (context 'c'): no answer within the request timeout`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  test('no kubeconfig anywhere: one line saying what was looked for (exit 2)', async () => {
    const p = await makeProject(['--base-url', BASE_URL]);
    const r = await runZenml(['model-deployer', 'find'], { cwd: p.dir, env: { KUBECONFIG: undefined, KUBERNETES_SERVICE_HOST: undefined } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^zenml: error: no kubeconfig found: no kubeconfig setting, no KUBECONFIG, no ~\/.kube\/config, and not running in a cluster\n/);
  });

  test('a context the kubeconfig does not have: exit 2 listing the known ones', async () => {
    const dir = temps.dir();
    const p = await makeProject(['--kubeconfig', kubeconfig(dir, 'https://127.0.0.1:1'), '--kubernetes-context', 'prod', '--base-url', BASE_URL]);
    const r = await p.run('model-deployer', 'find');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/kubernetesContext: no context 'prod' in .*k\.yaml\nhint: known contexts: c\n/);
  });
});
