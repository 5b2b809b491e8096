// End-to-end: the `local` flavor driven through the built `zenml` binary, as a user types it.
// Real daemons, real ports on 127.0.0.1, real onnxruntime inference.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseJson, runZenml, killRunningZenml, type RunResult } from '../helpers/cli.js';
import { IRIS_V1, IRIS_V2, instanceAnswers, instanceIdOf, killServers, pidAlive } from '../helpers/local-servers.js';
import { TempDirs } from '../helpers/temp.js';

const COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.0, 2.9, 4.5, 1.5],
  [6.9, 3.1, 5.4, 2.1],
];

const temps = new TempDirs();
let project: string;

async function zenml(...args: string[]): Promise<RunResult> {
  return runZenml(args, { cwd: project, timeoutMs: 90_000 });
}

async function zenmlJson<T = any>(...args: string[]): Promise<T> {
  const result = await zenml(...args, '--json');
  if (result.code !== 0) throw new Error(`zenml ${args.join(' ')} exited ${result.code}: ${result.stdout}${result.stderr}`);
  return parseJson<T>(result);
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the assertion message
  }
  return { status: response.status, body: parsed };
}

function predictMlflow(url: string) {
  return postJson(url, { dataframe_split: { columns: COLUMNS, data: ROWS } });
}

beforeAll(async () => {
  project = temps.dir('zenml-e2e-local-');
  expect((await zenml('init')).code).toBe(0);
});

afterAll(() => {
  killRunningZenml();
  killServers(project);
  temps.cleanup();
});

describe('local flavor through the zenml binary', () => {
  let service: any;

  it('deploys the iris model and answers through both protocols', async () => {
    service = await zenmlJson('model-deployer', 'deploy', '--model-uri', IRIS_V1, '--model-name', 'iris', '--model-type', 'onnx',
      '--pipeline-name', 'training', '--pipeline-step-name', 'deployer', '--pipeline-run-id', 'run-1', '--timeout', '60');
    expect(service.state).toBe('active');
    expect(service.flavor).toBe('local');
    expect(service.predictionUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/invocations$/);
    expect(existsSync(path.join(project, '.zenml/deployers/default/services', service.uuid, 'service.json'))).toBe(true);

    const mlflow = await predictMlflow(service.predictionUrl);
    expect(mlflow.status).toBe(200);
    expect(mlflow.body.predictions.map((p: any) => p.label)).toEqual([0, 1, 2]);

    const v2 = await postJson(service.info.V2_INFER_URL, { id: 'abc', inputs: [{ name: 'input', shape: [3, 4], datatype: 'FP32', data: ROWS.flat() }] });
    expect(v2.status).toBe(200);
    expect(v2.body.id).toBe('abc');
    expect(v2.body.outputs.find((o: any) => o.name === 'label').data).toEqual([0, 1, 2]);
  });

  it('finds the server with every filter, and not with a filter that does not match', async () => {
    const relativeUri = path.relative(project, IRIS_V1);
    const filters = [
      ['-m', 'iris'], ['-p', 'training'], ['-s', 'deployer'], ['-r', 'run-1'], ['--model-type', 'onnx'],
      ['--model-uri', relativeUri], ['--uuid', service.uuid.slice(0, 6)], ['--running'],
    ];
    for (const filter of filters) {
      const found = await zenmlJson<any[]>('model-deployer', 'find', ...filter);
      expect({ filter, uuids: found.map((s) => s.uuid) }).toEqual({ filter, uuids: [service.uuid] });
    }
    expect(await zenmlJson('model-deployer', 'find', '-m', 'other')).toEqual([]);
    const quiet = await zenml('model-deployer', 'models', 'list', '-q');
    expect(quiet.stdout.trim()).toBe(service.uuid);
  });

  it('shows the server log', async () => {
    const logs = await zenml('model-deployer', 'logs', service.uuid.slice(0, 8), '--tail', '20');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('listening on http://127.0.0.1:');
  });

  it('stops the server: process gone, port freed, still findable as inactive', async () => {
    const pid = Number(service.info.DAEMON_PID);
    const port = Number(new URL(service.predictionUrl).port);
    const instance = instanceIdOf(service);
    expect(await instanceAnswers(port, instance)).toBe(true);
    const stopped = await zenmlJson('model-deployer', 'stop', service.uuid.slice(0, 8), '--timeout', '30');
    expect(stopped.state).toBe('inactive');
    expect(pidAlive(pid)).toBe(false);
    expect(await instanceAnswers(port, instance)).toBe(false);
    expect((await zenmlJson<any[]>('model-deployer', 'find')).map((s) => s.state)).toEqual(['inactive']);
    expect(await zenmlJson('model-deployer', 'find', '--running')).toEqual([]);
  });

  it('starts it again with the same uuid and URL', async () => {
    const started = await zenmlJson('model-deployer', 'start', service.uuid, '--timeout', '60');
    expect(started.uuid).toBe(service.uuid);
    expect(started.state).toBe('active');
    expect(started.predictionUrl).toBe(service.predictionUrl);
    expect((await predictMlflow(started.predictionUrl)).status).toBe(200);
    service = started;
  });

  it('redeploys with --replace: same uuid and URL, the new model answers, no request fails during the swap', async () => {
    const before = (await predictMlflow(service.predictionUrl)).body.predictions;
    // Event order (a counter, not a clock): a request sent before the swap answered and answered after it was asked
    // for was in flight during the swap.
    let clock = 0;
    const requests: Array<{ sent: number; answered: number; status: number }> = [];
    const predict = async () => {
      const sent = ++clock;
      const { status } = await predictMlflow(service.predictionUrl);
      requests.push({ sent, answered: ++clock, status });
    };
    let stop = false;
    let loopsRunning = 0;
    const LOOPS = 4;
    const loops = Array.from({ length: LOOPS }, async () => {
      loopsRunning += 1;
      for (let i = 0; i < 5000 && !stop; i += 1) await predict();
    });
    // Let the load start before the swap is asked for.
    while (requests.length < 20 && loopsRunning > 0) await new Promise((r) => setTimeout(r, 5));
    const swapAsked = ++clock;
    const replaced = await zenmlJson('model-deployer', 'deploy', '--model-uri', IRIS_V2, '--model-name', 'iris', '--model-type', 'onnx',
      '--pipeline-name', 'training', '--pipeline-step-name', 'deployer', '--pipeline-run-id', 'run-2', '--replace');
    const swapAnswered = ++clock;
    // keep the clients going a little after the swap answered
    for (let i = 0; i < 20; i += 1) await predict();
    stop = true;
    await Promise.all(loops);

    expect(replaced.uuid).toBe(service.uuid);
    expect(replaced.predictionUrl).toBe(service.predictionUrl);
    expect(replaced.modelUri).toBe(IRIS_V2);
    // Every loop had a request in flight while the swap ran (each sends its next one as the last answers), and every
    // one of those, like every other request, was answered 200.
    const duringSwap = requests.filter(({ sent, answered }) => sent < swapAnswered && answered > swapAsked);
    expect(duringSwap.length).toBeGreaterThanOrEqual(LOOPS);
    expect(duringSwap.filter((r) => r.status !== 200)).toEqual([]);
    expect(requests.filter((r) => r.status !== 200)).toEqual([]);
    const after = (await predictMlflow(service.predictionUrl)).body.predictions;
    expect(after[0].probabilities).not.toEqual(before[0].probabilities);
    expect(await zenmlJson<any[]>('model-deployer', 'find')).toHaveLength(1);
  });

  it('answers bad input with a 4xx and keeps serving', async () => {
    const url = service.predictionUrl as string;
    const base = url.replace(/\/invocations$/, '');
    const cases: Array<[string, () => Promise<{ status: number; body: any }>, number]> = [
      ['malformed JSON', () => postJson(url, '{"dataframe_split": '), 400],
      ['wrong shape', () => postJson(url, { inputs: [[1, 2, 3]] }), 400],
      ['wrong type', () => postJson(url, { inputs: [['a', 'b', 'c', 'd']] }), 400],
      ['unknown model', () => postJson(`${base}/v2/models/nope/infer`, { inputs: [] }), 404],
      ['v2 wrong datatype', () => postJson(`${base}/v2/models/iris/infer`, { inputs: [{ name: 'input', shape: [1, 4], datatype: 'INT64', data: [1, 2, 3, 4] }] }), 400],
      ['oversized body', () => postJson(url, `{"inputs": [${'1,'.repeat(6 * 1024 * 1024)}1]}`), 413],
    ];
    for (const [name, send, status] of cases) {
      const answer = await send();
      expect({ name, status: answer.status }).toEqual({ name, status });
      expect(typeof answer.body.error).toBe('string');
      expect((await predictMlflow(url)).status).toBe(200);
    }
  });

  it('reports a crashed server as error with its log, and start recovers it', async () => {
    const pid = Number(service.info.DAEMON_PID);
    process.kill(pid, 'SIGKILL');
    let found: any[] = [];
    for (let i = 0; i < 50; i += 1) {
      found = await zenmlJson<any[]>('model-deployer', 'find');
      if (found[0]?.state === 'error') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(found[0].state).toBe('error');
    expect(found[0].lastError).not.toBe('');
    const recovered = await zenmlJson('model-deployer', 'start', service.uuid);
    expect(recovered.state).toBe('active');
    expect((await predictMlflow(recovered.predictionUrl)).status).toBe(200);
    service = recovered;
  });

  it('keeps deployers with different state dirs apart', async () => {
    expect((await zenml('model-deployer', 'register', 'other', '--flavor', 'local', '--state-dir', 'other-state')).code).toBe(0);
    const other = await zenmlJson('model-deployer', 'deploy', '--deployer', 'other', '--model-uri', IRIS_V1, '--model-name', 'iris-other');
    try {
      expect(existsSync(path.join(project, 'other-state/services', other.uuid))).toBe(true);
      expect((await zenmlJson<any[]>('model-deployer', 'find', '--deployer', 'other')).map((s) => s.uuid)).toEqual([other.uuid]);
      expect((await zenmlJson<any[]>('model-deployer', 'find')).map((s) => s.uuid)).toEqual([service.uuid]);
      const missing = await zenml('model-deployer', 'stop', other.uuid);
      expect(missing.code).toBe(3);
    } finally {
      expect((await zenml('model-deployer', 'models', 'delete', other.uuid, '--deployer', 'other', '--yes')).code).toBe(0);
    }
  });

  it('deletes the server: process gone, directory gone, never found again', async () => {
    const pid = Number(service.info.DAEMON_PID);
    const dir = service.info.SERVICE_PATH as string;
    const deleted = await zenmlJson('model-deployer', 'models', 'delete', service.uuid.slice(0, 8));
    expect(deleted).toEqual({ uuid: service.uuid, deleted: true });
    expect(pidAlive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(await zenmlJson('model-deployer', 'find')).toEqual([]);
    const again = await zenml('model-deployer', 'delete', service.uuid);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain(service.uuid);
  });
});
