// End-to-end: the `kserve` flavor driven through the built `zenml` binary against a real kube-apiserver + etcd
// started by the test (test/k8s/cluster.ts), with the InferenceService CRD installed and a STAND-IN for KServe's
// controller (test/k8s/stand-in-kserve-controller.ts: no real one can run here) writing status.conditions,
// status.url and the predictor's revisions and traffic split. Everything the flavor does goes through the real API
// server: create, merge patches, label selectors, annotations, status reads, delete, RBAC, a missing CRD.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { adminClient, createNamespace, startKubeCluster, type KubeCluster } from '../k8s/cluster.js';
import { expectDeployTimesOut } from '../k8s/deploy-timeout.js';
import { describeKube } from '../k8s/require-kube.js';
import { startStandInKserveController, type StandInKserveController } from '../k8s/stand-in-kserve-controller.js';
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
  const run = (...args: string[]) => runZenml(args, { cwd: dir, timeoutMs: 150_000 });
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

describeKube('kserve flavor through the zenml binary, against a real Kubernetes API server', () => {
  let cluster: KubeCluster;
  let controller: StandInKserveController;
  let objects: CustomObjectsApi;

  beforeAll(async () => {
    cluster = await startKubeCluster({ crds: ['kserve'] });
    objects = adminClient(cluster).makeApiClient(CustomObjectsApi);
    controller = await startStandInKserveController(cluster, {
      readyDelayMs: 300,
      // Models named never-ready get no status: the timeout test waits for them in vain.
      ignore: (isvc) => String(isvc.spec?.predictor?.model?.storageUri ?? '').includes('never-ready'),
    });
  }, 180_000);

  afterAll(async () => {
    await controller?.stop();
    await cluster?.stop();
  });

  async function namespace(): Promise<string> {
    const name = `k${++nsCounter}-${process.pid}`;
    await createNamespace(cluster, name);
    return name;
  }

  const project = (ns: string, extra: string[] = [], kubeconfig = cluster.kubeconfigPath) => makeProject(clusterSettings(kubeconfig, ns, extra));

  async function isvc(ns: string, name: string): Promise<any> {
    return objects.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name });
  }

  async function isvcs(ns: string): Promise<any[]> {
    return ((await objects.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL })) as any).items;
  }

  const deployArgs = (model: string, ...more: string[]) => [
    'model-deployer', 'deploy', '--model-uri', `s3://models/${model}`, '--model-name', model, '--model-type', 'sklearn',
    '--pipeline-name', 'training', '--pipeline-step-name', 'deployer', '--pipeline-run-id', `run-${model}`, ...more,
  ];

  test('register validates deploymentMode; deploy creates the InferenceService with the spec, labels and annotations, and reads state and URLs back', async () => {
    const ns = await namespace();
    const bad = await makeProject([]).then((p) => p.run('model-deployer', 'register', 'broken', '--flavor', 'kserve', '--deployment-mode', 'Fast'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^zenml: error: --deployment-mode: expected Serverless or RawDeployment \(got "Fast"\)\n$/);

    const p = await project(ns, ['--deployment-mode', 'Serverless', '--service-account-name', 'models-sa', '--secret', 's3-credentials']);
    const view = await p.json(...deployArgs('iris', '-c', 'minReplicas=1', '-c', 'maxReplicas=3', '-c', 'runtime=kserve-sklearnserver', '-c', 'resources={"limits":{"cpu":"1"}}'));
    const name = `zenml-${view.uuid}`;
    const url = `http://${name}.${ns}.example.com`;
    expect(view).toMatchObject({ state: 'active', flavor: 'kserve', deployer: 'k8s', modelName: 'iris', modelUri: 's3://models/iris', lastError: '' });
    expect(view.predictionUrl).toBe(`${url}/v1/models/${name}:predict`);
    expect(view.info).toMatchObject({
      PREDICTION_URL: `${url}/v1/models/${name}:predict`,
      HEALTH_CHECK_URL: `${url}/v1/models/${name}`,
      HOST_HEADER: '',
      URL: url,
      NAMESPACE: ns,
      RESOURCE: `InferenceService/${name}`,
      CONTEXT: 'zenml-test',
      MODEL_FORMAT: 'sklearn',
      RUNTIME: 'kserve-sklearnserver',
      PROTOCOL: 'v1',
      DEPLOYMENT_MODE: 'Serverless',
      REPLICAS: '1..3',
      TRAFFIC: `${name}-predictor-00001 100% (latest)`,
      LATEST_READY_REVISION: `${name}-predictor-00001`,
    });
    const resource = await isvc(ns, name);
    expect(resource.spec).toEqual({
      predictor: {
        model: { modelFormat: { name: 'sklearn' }, storageUri: 's3://models/iris', runtime: 'kserve-sklearnserver', resources: { limits: { cpu: '1' } }, envFrom: [{ secretRef: { name: 's3-credentials' } }] },
        minReplicas: 1,
        maxReplicas: 3,
        serviceAccountName: 'models-sa',
      },
    });
    expect(resource.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'zenml', 'zenml.io/service-uuid': view.uuid });
    expect(resource.metadata.annotations['serving.kserve.io/deploymentMode']).toBe('Serverless');
    expect(JSON.parse(resource.metadata.annotations['zenml.io/service'])).toMatchObject({ uuid: view.uuid, flavor: 'kserve', config: { modelName: 'iris', minReplicas: 1 } });

    // onnx: v2 protocol by default, v2 URLs; -c modelFormat overrides the model type.
    const onnx = await p.json('model-deployer', 'deploy', '--model-uri', 's3://models/net', '--model-type', 'onnx');
    expect(onnx.info.PREDICTION_URL).toBe(`http://zenml-${onnx.uuid}.${ns}.example.com/v2/models/zenml-${onnx.uuid}/infer`);
    expect((await isvc(ns, `zenml-${onnx.uuid}`)).spec.predictor.model).toMatchObject({ modelFormat: { name: 'onnx' }, protocolVersion: 'v2' });
    const custom = await p.json('model-deployer', 'deploy', '--model-uri', 's3://models/llm', '-c', 'modelFormat=vllm', '-c', 'protocolVersion=v2');
    expect((await isvc(ns, `zenml-${custom.uuid}`)).spec.predictor.model).toMatchObject({ modelFormat: { name: 'vllm' }, protocolVersion: 'v2' });

    // Bad -c values and a model type without a format: exit 2, nothing created.
    const before = (await isvcs(ns)).length;
    const canary = await p.run(...deployArgs('x', '-c', 'canaryTrafficPercent=150'));
    expect(canary.code).toBe(2);
    expect(canary.stderr).toMatch(/^zenml: error: -c canaryTrafficPercent=150: expected a percentage from 0 to 100 \(got 150\)\n$/);
    const noFormat = await p.run('model-deployer', 'deploy', '--model-uri', 's3://models/x', '--model-type', 'weird');
    expect(noFormat.code).toBe(2);
    expect(noFormat.stderr).toMatch(/no KServe model format for model type 'weird'/);
    expect((await isvcs(ns)).length).toBe(before);
  });

  test('find: every filter narrows, from the cluster alone; resources zenml did not create are never listed', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const a = await p.json(...deployArgs('iris'));
    const b = await p.json('model-deployer', 'deploy', '--model-uri', 's3://models/wine', '--model-name', 'wine', '--model-type', 'xgboost', '--pipeline-name', 'other', '--pipeline-step-name', 'serve', '--pipeline-run-id', 'run-2');
    await objects.createNamespacedCustomObject({
      group: GROUP, version: VERSION, namespace: ns, plural: PLURAL,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'InferenceService', metadata: { name: 'someone-elses' }, spec: { predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri: 's3://x' } } } },
    });
    const uuids = async (...filter: string[]) => (await p.json<any[]>('model-deployer', 'find', ...filter)).map((s) => s.uuid).sort();
    expect(await uuids()).toEqual([a.uuid, b.uuid].sort());
    expect(await uuids('--uuid', a.uuid)).toEqual([a.uuid]);
    expect(await uuids('--model-name', 'wine')).toEqual([b.uuid]);
    expect(await uuids('--model-uri', 's3://models/iris')).toEqual([a.uuid]);
    expect(await uuids('--model-type', 'xgboost')).toEqual([b.uuid]);
    expect(await uuids('--pipeline-name', 'training')).toEqual([a.uuid]);
    expect(await uuids('--pipeline-step-name', 'serve')).toEqual([b.uuid]);
    expect(await uuids('--pipeline-run-id', 'run-iris')).toEqual([a.uuid]);
    expect(await uuids('--model-name', 'iris', '--pipeline-name', 'other')).toEqual([]);
    await p.json('model-deployer', 'stop', b.uuid);
    expect(await uuids('--running')).toEqual([a.uuid]);
    const quiet = await p.run('model-deployer', 'find', '-q', '--model-name', 'iris');
    expect(quiet.stdout).toBe(`${a.uuid}\n`);
    // The foreign resource is untouched.
    expect((await isvc(ns, 'someone-elses')).metadata.annotations ?? {}).toEqual({});
  });

  test('canary: deploy --replace -c canaryTrafficPercent=10 splits traffic, promote sends 100% to the new revision, rollback returns to the previous one', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const v1 = await p.json(...deployArgs('iris', '--model-uri', 's3://models/iris-v1'));
    const name = `zenml-${v1.uuid}`;
    const rev = (n: number) => `${name}-predictor-0000${n}`;
    const traffic = async () => (await isvc(ns, name)).status.components.predictor;

    // Fresh service: nothing to roll back to (exit 2), nothing is changed.
    const early = await p.run('model-deployer', 'rollback', v1.uuid);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/has no previous ready revision to roll back to/);
    expect((await isvc(ns, name)).spec.predictor).not.toHaveProperty('canaryTrafficPercent');

    const v2 = await p.json(...deployArgs('iris', '--model-uri', 's3://models/iris-v2', '--replace', '-c', 'canaryTrafficPercent=10'));
    expect(v2.uuid).toBe(v1.uuid);
    expect(v2.state).toBe('active');
    let resource = await isvc(ns, name);
    expect(resource.spec.predictor.canaryTrafficPercent).toBe(10);
    expect(resource.spec.predictor.model.storageUri).toBe('s3://models/iris-v2');
    expect((await traffic()).traffic).toEqual([
      { revisionName: rev(2), percent: 10, latestRevision: true, tag: 'latest' },
      { revisionName: rev(1), percent: 90, latestRevision: false, tag: 'prev' },
    ]);
    expect(v2.info).toMatchObject({ CANARY_TRAFFIC_PERCENT: '10', TRAFFIC: `${rev(2)} 10% (latest), ${rev(1)} 90%`, LATEST_READY_REVISION: rev(2), LATEST_ROLLED_OUT_REVISION: rev(1) });

    const promoted = await p.json('model-deployer', 'promote', v1.uuid);
    expect(promoted).toMatchObject({ uuid: v1.uuid, state: 'active', info: { CANARY_TRAFFIC_PERCENT: '', TRAFFIC: `${rev(2)} 100% (latest)` } });
    resource = await isvc(ns, name);
    expect(resource.spec.predictor).not.toHaveProperty('canaryTrafficPercent');
    expect(JSON.parse(resource.metadata.annotations['zenml.io/service']).config).not.toHaveProperty('canaryTrafficPercent');
    expect(await traffic()).toMatchObject({ latestRolledoutRevision: rev(2), previousRolledoutRevision: rev(1), traffic: [{ revisionName: rev(2), percent: 100 }] });

    // A second canary, then rollback: the rolled-out revision gets everything back.
    await p.json(...deployArgs('iris', '--model-uri', 's3://models/iris-v3', '--replace', '-c', 'canaryTrafficPercent=20'));
    expect((await traffic()).traffic.map((t: any) => [t.revisionName, t.percent])).toEqual([[rev(3), 20], [rev(2), 80]]);
    const rolled = await p.run('model-deployer', 'rollback', v1.uuid);
    expect(rolled.code).toBe(0);
    expect(rolled.stdout).toBe(`rolled back model server ${v1.uuid}: ${rev(3)} 0% (latest), ${rev(2)} 100%\n`);
    expect((await isvc(ns, name)).spec.predictor.canaryTrafficPercent).toBe(0);
    expect((await traffic()).traffic.map((t: any) => [t.revisionName, t.percent])).toEqual([[rev(3), 0], [rev(2), 100]]);

    // Without a canary, --replace patches in place: the new revision gets everything, the canary field goes.
    const v4 = await p.json(...deployArgs('iris', '--model-uri', 's3://models/iris-v4', '--replace'));
    expect(v4.uuid).toBe(v1.uuid);
    expect((await isvc(ns, name)).spec.predictor).not.toHaveProperty('canaryTrafficPercent');
    expect((await traffic()).traffic.map((t: any) => [t.revisionName, t.percent])).toEqual([[rev(4), 100]]);
    expect((await isvcs(ns)).length).toBe(1);
    expect((await p.run('model-deployer', 'promote', v1.uuid, '-q')).stdout).toBe(`${v1.uuid}\n`);
  });

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

  test('stop and start through the serving.kserve.io/stop annotation; logs come from kserve-container of the predictor pods', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const view = await p.json(...deployArgs('iris'));
    const name = `zenml-${view.uuid}`;
    const logs = await p.run('model-deployer', 'logs', view.uuid);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/Downloading model from s3:\/\/models\/iris\nModel loaded\nListening on 0.0.0.0:8080\n$/);
    expect(await p.json('model-deployer', 'logs', view.uuid, '--tail', '1')).toEqual({ uuid: view.uuid, lines: ['Listening on 0.0.0.0:8080'] });

    const stopped = await p.json('model-deployer', 'stop', view.uuid);
    expect(stopped).toMatchObject({ uuid: view.uuid, state: 'inactive', predictionUrl: null, info: { STOPPED: 'true (serving.kserve.io/stop)' } });
    const resource = await isvc(ns, name);
    expect(resource.metadata.annotations['serving.kserve.io/stop']).toBe('true');
    expect(resource.spec.predictor.model.storageUri).toBe('s3://models/iris');
    expect((await p.json<any[]>('model-deployer', 'find', '--uuid', view.uuid))[0].state).toBe('inactive');
    expect((await p.run('model-deployer', 'stop', view.uuid)).code).toBe(0);

    const started = await p.json('model-deployer', 'start', view.uuid);
    expect(started).toMatchObject({ uuid: view.uuid, state: 'active' });
    expect((await isvc(ns, name)).metadata.annotations).not.toHaveProperty('serving.kserve.io/stop');
  });

  test('an InferenceService that never becomes Ready times out with exit 4 and stays pending; --timeout 0 returns at once', async () => {
    const ns = await namespace();
    const p = await project(ns);
    await expectDeployTimesOut(p.run, deployArgs);
    // The resources exist (the deploy is not rolled back on a timeout) and find reports them as still pending.
    const found = await p.json<any[]>('model-deployer', 'find', '-m', 'never-ready');
    expect(found.map((s) => s.state)).toEqual(['pending_startup']);
    const quick = await p.json(...deployArgs('never-ready-3', '--timeout', '0'));
    expect(quick.state).toBe('pending_startup');
  });

  test('delete removes the InferenceService and waits until it is gone; an unknown uuid exits 3', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const a = await p.json(...deployArgs('iris', '--timeout', '0'));
    expect(await p.json('model-deployer', 'delete', a.uuid)).toEqual({ uuid: a.uuid, deleted: true });
    await expect(isvc(ns, `zenml-${a.uuid}`)).rejects.toMatchObject({ code: 404 });
    expect(await p.json<any[]>('model-deployer', 'find')).toEqual([]);
    for (const verb of ['delete', 'promote', 'describe']) expect((await p.run('model-deployer', verb, a.uuid)).code).toBe(3);
  });

  test('a second machine (another folder, dotfile and HOME; the same kubeconfig) finds the same services from the cluster alone', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const deployed = [await p.json(...deployArgs('iris')), await p.json(...deployArgs('wine', '--model-type', 'xgboost'))];
    const other = await project(ns);
    const seen = await other.json<any[]>('model-deployer', 'find');
    expect(seen.map((s) => s.uuid).sort()).toEqual(deployed.map((d) => d.uuid).sort());
    const theirs = seen.find((s) => s.uuid === deployed[1].uuid);
    expect({ ...theirs, updatedAt: undefined }).toEqual({ ...deployed[1], updatedAt: undefined });
    // And acts on them: a stop there is seen here.
    await other.json('model-deployer', 'stop', deployed[0].uuid);
    expect((await p.json<any[]>('model-deployer', 'find', '--uuid', deployed[0].uuid))[0].state).toBe('inactive');
  });

  test('with baseUrl, info gives the Host header and predict sends it to the ingress', async () => {
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
      expect(view.info).toMatchObject({ PREDICTION_URL: `${baseUrl}/v1/models/${name}:predict`, HOST_HEADER: `${name}.${ns}.example.com`, URL: `http://${name}.${ns}.example.com` });
      const answer = await p.json('model-deployer', 'predict', view.uuid, '--data', '{"instances": [[1, 2, 3, 4], [5, 6, 7, 8]]}');
      expect(answer).toEqual({ predictions: [1, 0] });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ url: `/v1/models/${name}:predict`, headers: { host: `${name}.${ns}.example.com` }, body: '{"instances": [[1, 2, 3, 4], [5, 6, 7, 8]]}' });
    } finally {
      await new Promise((r) => ingress.close(r));
    }
  });

  test('403: a read-only identity may not create inferenceservices (exit 2, one line); reading works', async () => {
    const ns = await namespace();
    const p = await project(ns, [], cluster.restrictedKubeconfigPath);
    const r = await p.run(...deployArgs('iris'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^zenml: error: the identity of context 'zenml-test' may not create inferenceservices\.serving\.kserve\.io in namespace 'k[^']+' \(403 Forbidden: .*"viewer".*\)\nhint: grant it 'create'/);
    expect(await p.json<any[]>('model-deployer', 'find')).toEqual([]);
  });

  test('404: a namespace that does not exist exits 3; 422: what the API server rejects comes back as its field message (exit 2)', async () => {
    const missing = await project('no-such-namespace');
    const deploy = await missing.run(...deployArgs('iris'));
    expect(deploy.code).toBe(3);
    expect(deploy.stderr).toMatch(/namespace 'no-such-namespace' does not exist in the cluster of context 'zenml-test'/);
    expect((await missing.run('model-deployer', 'find')).code).toBe(3);

    const ns = await namespace();
    const p = await project(ns);
    // The service annotation over the API server's 256 KiB limit for all annotations.
    const big = 'x'.repeat(100_000);
    const r = await p.run(...deployArgs('iris', '--description', big, '--name', big, '--model-version', big));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^zenml: error: the Kubernetes API server rejected inferenceservices\.serving\.kserve\.io 'zenml-[0-9a-f-]+': .*metadata\.annotations: Too long/);
    expect(r.stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(2);
    expect(await isvcs(ns)).toEqual([]);
  });

  test('a model that cannot load: Ready False with a reason becomes error with its message', async () => {
    const ns = await namespace();
    const p = await project(ns);
    const view = await p.json(...deployArgs('bad-model', '--timeout', '0'));
    const deadline = Date.now() + 30_000;
    let last: any;
    while (Date.now() < deadline) {
      last = (await p.json<any[]>('model-deployer', 'find', '--uuid', view.uuid))[0];
      if (last.state === 'error') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(last).toMatchObject({ state: 'error', lastError: expect.stringMatching(/^RevisionFailed: Revision ".*" failed with message: model not found at s3:\/\/models\/bad-model$/) });
  });

  test('the stand-in controller met no API errors', () => {
    expect(controller.errors).toEqual([]);
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
