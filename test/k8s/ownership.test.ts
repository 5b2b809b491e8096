// One component, its own servers: through the built `zenml` binary against a real kube-apiserver + etcd with the
// SeldonDeployment CRD. Ownership needs no controller (resources only have to exist), so every deploy here uses
// --timeout 0 and nothing waits for a status. Several projects (each its own dotfile, as several machines) register
// components in one namespace; what each lists, deletes and refuses is read from the API server directly.
import { CustomObjectsApi } from '@kubernetes/client-node';
import { killRunningZenml } from '../helpers/cli.js';
import { TempDirs } from '../helpers/temp.js';
import { adminClient, createNamespace, startKubeCluster, type KubeCluster } from './cluster.js';
import { describeKube } from './require-kube.js';
import { clusterSettings, zenmlProject, type ZenmlProject } from './zenml-project.js';

const GROUP = 'machinelearning.seldon.io';
const BASE_URL = 'http://ingress.example.com';
const temps = new TempDirs();
let nsCounter = 0;

afterEach(() => {
  killRunningZenml();
  temps.cleanup();
});

describeKube('one component, its own servers (seldon, against a real Kubernetes API server)', () => {
  let cluster: KubeCluster;
  let objects: CustomObjectsApi;

  beforeAll(async () => {
    // Workloads: delete is foreground, and only the garbage collector (kube-controller-manager) lifts its finalizer.
    cluster = await startKubeCluster({ crds: ['seldon'], workloads: true });
    objects = adminClient(cluster).makeApiClient(CustomObjectsApi);
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  async function namespace(): Promise<string> {
    const name = `own${++nsCounter}-${process.pid}`;
    await createNamespace(cluster, name);
    return name;
  }

  /** A project (a machine) with a seldon component `component` for namespace `ns`, in its active stack. */
  const project = (component: string, ns: string) => zenmlProject(temps, component, 'seldon', [...clusterSettings(cluster, ns), '--base-url', BASE_URL]);

  const deploy = (p: ZenmlProject, model: string, ...more: string[]) =>
    p.json<{ uuid: string }>('model-deployer', 'deploy', '--model-uri', `s3://models/${model}`, '--model-name', model, '--model-type', 'sklearn', '--pipeline-name', 'training', '--pipeline-step-name', 'deployer', '--timeout', '0', ...more);

  async function sdeps(ns: string): Promise<any[]> {
    return ((await objects.listNamespacedCustomObject({ group: GROUP, version: 'v1', namespace: ns, plural: 'seldondeployments' })) as any).items;
  }

  /** A SeldonDeployment as a zenml from before ownership made it: managed-by and a service annotation, no component label. */
  async function legacy(ns: string, uuid: string): Promise<void> {
    const service = { type: 'seldon-deployment', flavor: 'seldon', uuid, config: { name: 'old', description: '', modelName: 'old', modelUri: 's3://models/old', modelType: 'sklearn', modelVersion: '', pipelineName: 'training', pipelineRunId: '', pipelineStepName: 'deployer' }, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', extra: {} };
    await objects.createNamespacedCustomObject({
      group: GROUP, version: 'v1', namespace: ns, plural: 'seldondeployments',
      body: {
        apiVersion: `${GROUP}/v1`, kind: 'SeldonDeployment',
        metadata: { name: `zenml-${uuid}`, labels: { 'app.kubernetes.io/managed-by': 'zenml', 'zenml.io/service-uuid': uuid, 'zenml.io/model-name': 'old' }, annotations: { 'zenml.io/service': JSON.stringify(service) } },
        spec: { predictors: [{ name: 'default', replicas: 1, graph: { name: 'classifier', implementation: 'SKLEARN_SERVER', modelUri: 's3://models/old' } }] },
      },
    });
  }

  const LEGACY = '7e57aaaa-0000-4000-8000-000000000001';
  const uuidsOf = (views: Array<{ uuid: string }>) => views.map((v) => v.uuid).sort();

  test('two components in one namespace: find, --replace, describe and delete see only their own; find --all shows all with their owner', async () => {
    const ns = await namespace();
    const alpha = await project('alpha', ns);
    const beta = await project('beta', ns);
    const a1 = await deploy(alpha, 'iris');
    const a2 = await deploy(alpha, 'wine');
    // The same model through another component: a server of its own, not alpha's "identical running server".
    const b1 = await deploy(beta, 'iris');
    expect(b1.uuid).not.toBe(a1.uuid);
    await legacy(ns, LEGACY);

    expect(uuidsOf(await alpha.json('model-deployer', 'find'))).toEqual(uuidsOf([a1, a2]));
    expect(uuidsOf(await beta.json('model-deployer', 'find'))).toEqual([b1.uuid]);
    expect(uuidsOf(await beta.json('model-deployer', 'find', '--model-name', 'iris'))).toEqual([b1.uuid]);

    // --all: every zenml resource of the namespace, with the component that made it (null: none).
    const all = await alpha.json<Array<{ uuid: string; owner: string | null; deployer: string }>>('model-deployer', 'find', '--all');
    expect(Object.fromEntries(all.map((v) => [v.uuid, v.owner]))).toEqual({ [a1.uuid]: 'alpha', [a2.uuid]: 'alpha', [b1.uuid]: 'beta', [LEGACY]: null });
    expect(all.every((v) => v.deployer === 'alpha')).toBe(true);
    const table = await alpha.run('model-deployer', 'find', '--all');
    expect(table.stdout).toMatch(/OWNER/);
    expect(table.stdout).toMatch(new RegExp(`${LEGACY}.*\\(none\\)`));
    expect(table.stdout).toMatch(new RegExp(`${b1.uuid}.*beta`));

    // beta's --replace of iris updates beta's server; alpha's iris keeps its model.
    const b1v2 = await deploy(beta, 'iris', '--model-uri', 's3://models/iris-v2', '--replace');
    expect(b1v2.uuid).toBe(b1.uuid);
    const byName = Object.fromEntries((await sdeps(ns)).map((s) => [s.metadata.name, s]));
    expect(byName[`zenml-${a1.uuid}`].spec.predictors[0].graph.modelUri).toBe('s3://models/iris');
    expect(byName[`zenml-${b1.uuid}`].spec.predictors[0].graph.modelUri).toBe('s3://models/iris-v2');
    expect(byName[`zenml-${b1.uuid}`].metadata.labels['zenml.io/component']).toBe('beta');
    expect(byName[`zenml-${b1.uuid}`].metadata.annotations['zenml.io/component']).toBe('beta');

    // Another component's server, or nobody's, is not found (exit 3), with a sentence that says whose it is.
    const other = await beta.run('model-deployer', 'describe', a1.uuid);
    expect(other.code).toBe(3);
    expect(other.stderr).toMatch(new RegExp(`model server ${a1.uuid} is not one of model deployer 'beta': its SeldonDeployment belongs to model deployer 'alpha'`));
    expect(other.stderr).toMatch(/hint: use --deployer alpha/);
    const orphan = await beta.run('model-deployer', 'delete', LEGACY);
    expect(orphan.code).toBe(3);
    expect(orphan.stderr).toMatch(/its SeldonDeployment has no component label \(made by an older zenml, or by hand\)/);
    expect(orphan.stderr).toMatch(new RegExp(`kubectl label seldondeployments\\.machinelearning\\.seldon\\.io zenml-${LEGACY} -n ${ns} zenml\\.io/component=beta`));
    expect((await sdeps(ns)).map((s) => s.metadata.name).sort()).toEqual([a1, a2, b1].map((s) => `zenml-${s.uuid}`).concat(`zenml-${LEGACY}`).sort());
  });

  test('deleting a component checks, and with --force deletes, only its own servers; one never used is deleted at once', async () => {
    const ns = await namespace();
    const alpha = await project('alpha', ns);
    const beta = await project('beta', ns);
    const a1 = await deploy(alpha, 'iris');
    const b1 = await deploy(beta, 'iris');
    const b2 = await deploy(beta, 'wine');
    await legacy(ns, LEGACY);

    // A component that never deployed anything has no servers, however busy its namespace.
    await beta.json('model-deployer', 'register', 'gamma', '--flavor', 'seldon', ...clusterSettings(cluster, ns), '--base-url', BASE_URL);
    expect(await beta.json('model-deployer', 'delete', 'gamma')).toEqual({ name: 'gamma', deleted: true, deletedServers: [], orphaned: false });

    // beta is its project's stack's deployer; point the stack elsewhere first (delete refuses a component a stack uses).
    expect((await beta.run('model-deployer', 'register', 'spare', '--flavor', 'local')).code).toBe(0);
    expect((await beta.run('stack', 'update', 'prod', '-d', 'spare')).code).toBe(0);
    const refused = await beta.run('model-deployer', 'delete', 'beta');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/model deployer 'beta' still has 2 model server\(s\): /);
    expect(refused.stderr).not.toContain(a1.uuid);
    expect(refused.stderr).not.toContain(LEGACY);

    const deleted = await beta.json<{ deletedServers: string[] }>('model-deployer', 'delete', 'beta', '--force', '--timeout', '30');
    expect(deleted.deletedServers.sort()).toEqual(uuidsOf([b1, b2]));
    expect((await sdeps(ns)).map((s) => s.metadata.name).sort()).toEqual([`zenml-${a1.uuid}`, `zenml-${LEGACY}`].sort());
    expect(uuidsOf(await alpha.json('model-deployer', 'find'))).toEqual([a1.uuid]);
  });

  test('a second machine that registers a component of the same name finds, and can delete, the same servers', async () => {
    const ns = await namespace();
    const laptop = await project('prod', ns);
    const a1 = await deploy(laptop, 'iris');
    const a2 = await deploy(laptop, 'wine');
    const otherName = await project('prod2', ns);
    expect(await otherName.json('model-deployer', 'find')).toEqual([]);
    const ci = await project('prod', ns);
    expect(uuidsOf(await ci.json('model-deployer', 'find'))).toEqual(uuidsOf([a1, a2]));
    expect((await ci.run('model-deployer', 'delete', a2.uuid, '--timeout', '30')).code).toBe(0);
    expect(uuidsOf(await laptop.json('model-deployer', 'find'))).toEqual([a1.uuid]);
  });

  test('a component name that is no label value (ends in "_") is escaped in the label, exact in the annotation, and told apart from a look-alike', async () => {
    const ns = await namespace();
    const under = await project('team_', ns);
    const dash = await project('team-', ns);
    const u = await deploy(under, 'iris');
    const d = await deploy(dash, 'iris');
    const byName = Object.fromEntries((await sdeps(ns)).map((s) => [s.metadata.name, s.metadata]));
    const label = byName[`zenml-${u.uuid}`].labels['zenml.io/component'];
    expect(label).toMatch(/^team-[0-9a-f]{8}$/);
    expect(byName[`zenml-${d.uuid}`].labels['zenml.io/component']).toMatch(/^team-[0-9a-f]{8}$/);
    expect(byName[`zenml-${d.uuid}`].labels['zenml.io/component']).not.toBe(label);
    expect(byName[`zenml-${u.uuid}`].annotations['zenml.io/component']).toBe('team_');
    expect(uuidsOf(await under.json('model-deployer', 'find'))).toEqual([u.uuid]);
    expect(uuidsOf(await dash.json('model-deployer', 'find'))).toEqual([d.uuid]);
    const all = await under.json<Array<{ uuid: string; owner: string }>>('model-deployer', 'find', '--all');
    expect(Object.fromEntries(all.map((v) => [v.uuid, v.owner]))).toEqual({ [u.uuid]: 'team_', [d.uuid]: 'team-' });
  });
});
