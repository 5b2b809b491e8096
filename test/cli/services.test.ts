// Layer 3: model servers through the built binary, with the record test flavors (services are
// JSON files in the deployer's state dir; no server processes are started).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { killRunningZenml, lines, parseJson, recordProject, runZenml, type RunResult } from '../helpers/cli.js';
import { TempDirs } from '../helpers/temp.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const temp = new TempDirs();
let dir: string;

beforeEach(() => {
  dir = temp.dir('zenml-services-');
  // `j` (record-js) is the active stack's deployer; `t` (record-ts) is only reachable with --deployer.
  recordProject(dir, { j: { flavor: 'record-js', settings: { baseUrl: 'http://j.test' } }, t: { flavor: 'record-ts' } }, 'j');
});
afterEach(() => {
  killRunningZenml();
  temp.cleanup();
});

const zenml = (...args: string[]) => runZenml(args, { cwd: dir });

async function ok(result: Promise<RunResult>): Promise<RunResult> {
  const r = await result;
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** Deploy and return the uuid. */
async function deploy(...args: string[]): Promise<string> {
  const r = await ok(zenml('model-deployer', 'deploy', ...args, '-q'));
  const uuid = r.stdout.trim();
  expect(uuid).toMatch(UUID);
  return uuid;
}

async function findUuids(...args: string[]): Promise<string[]> {
  return lines((await ok(zenml('model-deployer', 'find', '-q', ...args))).stdout).sort();
}

/** The record flavor's state dir for a deployer component. */
const recordsDir = (deployer: string) => path.join(dir, '.zenml', 'deployers', deployer, 'records');

describe('deploy', () => {
  it('--json prints the service view', async () => {
    const r = await zenml(
      'model-deployer', 'deploy', '--model-uri', '/models/iris.onnx', '--model-version', '3', '--model-type', 'onnx',
      '--pipeline-name', 'train', '--pipeline-run-id', 'run-1', '--pipeline-step-name', 'deployer', '--description', 'd', '--json',
    );
    expect(r.code).toBe(0);
    const view = parseJson(r);
    expect(Object.keys(view).sort()).toEqual(
      [
        'uuid', 'deployer', 'flavor', 'state', 'lastError', 'modelName', 'modelVersion', 'modelUri', 'modelType', 'pipelineName',
        'pipelineRunId', 'pipelineStepName', 'predictionUrl', 'healthCheckUrl', 'createdAt', 'updatedAt', 'config', 'info',
      ].sort(),
    );
    expect(view.uuid).toMatch(UUID);
    expect(view).toMatchObject({
      deployer: 'j',
      flavor: 'record-js',
      state: 'active',
      lastError: '',
      modelName: 'iris', // derived from the URI
      modelVersion: '3',
      modelUri: '/models/iris.onnx',
      modelType: 'onnx',
      pipelineName: 'train',
      pipelineRunId: 'run-1',
      pipelineStepName: 'deployer',
      predictionUrl: 'http://j.test/invocations',
      healthCheckUrl: 'http://j.test/ping',
      config: { name: 'iris', description: 'd', modelName: 'iris', modelUri: '/models/iris.onnx' },
      info: { PREDICTION_URL: 'http://j.test/invocations', HEALTH_CHECK_URL: 'http://j.test/ping' },
    });
    expect(Number.isNaN(Date.parse(view.createdAt))).toBe(false);
    // The record really exists on disk, under the deployer's state dir.
    expect(readdirSync(recordsDir('j'))).toEqual([`${view.uuid}.json`]);
  });

  it('prints a human summary without --json, and only the uuid with -q', async () => {
    const r = await ok(zenml('model-deployer', 'deploy', '--model-uri', '/m/a.onnx', '--model-name', 'alpha'));
    expect(r.stdout).toMatch(/^uuid:\s+[0-9a-f-]{36}$/m);
    expect(r.stdout).toMatch(/^status:\s+active$/m);
    expect(r.stdout).toMatch(/^deployer:\s+j \(flavor record-js\)$/m);
    expect(r.stdout).toMatch(/^model uri:\s+\/m\/a\.onnx$/m);
    expect(r.stdout).toMatch(/^prediction url:\s+http:\/\/j\.test\/invocations$/m);
    const uuid = await deploy('--model-uri', '/m/b.onnx');
    expect(await findUuids()).toHaveLength(2);
    expect(await findUuids('--model-name', 'b')).toEqual([uuid]);
  });

  it('-c passes flavor-specific service settings', async () => {
    const view = parseJson(await ok(zenml('model-deployer', 'deploy', '--model-uri', '/m/a.onnx', '-c', 'extra-key=7', '-c', 'nested.flag=true', '--json')));
    expect(view.uuid).toMatch(UUID);
    // The values reached the service config, typed, in what deploy printed and in what the flavor stored.
    expect(view.config).toMatchObject({ extraKey: 7, nested: { flag: true } });
    const stored = JSON.parse(readFileSync(path.join(recordsDir('j'), `${view.uuid}.json`), 'utf8'));
    expect(JSON.stringify(stored)).toContain('"extraKey":7');
    expect(parseJson(await ok(zenml('model-deployer', 'describe', view.uuid, '--json'))).config).toMatchObject({ extraKey: 7, nested: { flag: true } });
  });
});

describe('continuous deployment', () => {
  const target = ['--deployer', 't', '--pipeline-name', 'p', '--pipeline-step-name', 's', '--model-name', 'iris'];

  it('--replace updates the server of the same pipeline/step/model: same uuid, new model URI', async () => {
    const first = parseJson(await ok(zenml('model-deployer', 'deploy', ...target, '--model-uri', '/m/v1.onnx', '--json')));
    const second = parseJson(await ok(zenml('model-deployer', 'deploy', ...target, '--model-uri', '/m/v2.onnx', '--replace', '--json')));
    expect(second.uuid).toBe(first.uuid);
    expect(second.modelUri).toBe('/m/v2.onnx');
    expect(second.state).toBe('active');
    const all = parseJson(await ok(zenml('model-deployer', 'find', '--deployer', 't', '--json')));
    expect(all.map((s: { uuid: string; modelUri: string }) => [s.uuid, s.modelUri])).toEqual([[first.uuid, '/m/v2.onnx']]);
  });

  it('without --replace, an identical config returns the running server', async () => {
    const first = await deploy(...target, '--model-uri', '/m/v1.onnx');
    const again = await zenml('model-deployer', 'deploy', ...target, '--model-uri', '/m/v1.onnx', '--json');
    expect(again.code).toBe(0);
    expect(parseJson(again).uuid).toBe(first);
    expect(again.stderr).toBe(''); // --json keeps progress off stderr too
    expect(await findUuids('--deployer', 't')).toEqual([first]);
  });

  it('a different model name is a different deployment: new uuid, even with --replace', async () => {
    const first = await deploy(...target, '--model-uri', '/m/v1.onnx');
    const other = await deploy('--deployer', 't', '--pipeline-name', 'p', '--pipeline-step-name', 's', '--model-name', 'other', '--model-uri', '/m/v1.onnx', '--replace');
    expect(other).not.toBe(first);
    expect(await findUuids('--deployer', 't')).toEqual([first, other].sort());
  });

  it('without --replace, a changed model URI starts another server', async () => {
    const first = await deploy(...target, '--model-uri', '/m/v1.onnx');
    const second = await deploy(...target, '--model-uri', '/m/v2.onnx');
    expect(second).not.toBe(first);
  });

  it('--replace also works with the JavaScript flavor (default update: stop, then deploy under the same uuid)', async () => {
    const first = await deploy('--pipeline-name', 'p', '--pipeline-step-name', 's', '--model-uri', '/m/v1.onnx');
    const second = parseJson(await ok(zenml('model-deployer', 'deploy', '--pipeline-name', 'p', '--pipeline-step-name', 's', '--model-name', 'v1', '--model-uri', '/m/v1b.onnx', '--replace', '--json')));
    expect(second.uuid).toBe(first);
    expect(second.modelUri).toBe('/m/v1b.onnx');
  });
});

describe('find', () => {
  let a: string;
  let b: string;
  let c: string;
  beforeEach(async () => {
    a = await deploy('--model-uri', '/m/a.onnx', '--model-type', 'onnx', '-c', 'x=1', '--pipeline-name', 'p1', '--pipeline-run-id', 'r1', '--pipeline-step-name', 's1');
    b = await deploy('--model-uri', '/m/b.onnx', '--model-type', 'onnx', '--pipeline-name', 'p1', '--pipeline-run-id', 'r2', '--pipeline-step-name', 's2');
    c = await deploy('--model-uri', '/m/c.pkl', '--model-type', 'sklearn', '--pipeline-name', 'p2', '--pipeline-run-id', 'r2', '--pipeline-step-name', 's1');
    await ok(zenml('model-deployer', 'stop', c));
  });

  it('filters by every option, stopped servers included unless --running', async () => {
    const cases: Array<[string[], string[]]> = [
      [[], [a, b, c]],
      [['--running'], [a, b]],
      [['--pipeline-name', 'p1'], [a, b]],
      [['-p', 'p2'], [c]],
      [['--pipeline-run-id', 'r2'], [b, c]],
      [['-r', 'r1'], [a]],
      [['--pipeline-step-name', 's1'], [a, c]],
      [['-s', 's2'], [b]],
      [['--model-name', 'c'], [c]],
      [['-m', 'a'], [a]],
      [['--model-uri', '/m/b.onnx'], [b]],
      [['--model-type', 'onnx'], [a, b]],
      [['--model-type', 'sklearn', '--running'], []],
      [['--uuid', b], [b]],
      [['--uuid', b.slice(0, 8).toUpperCase()], [b]],
      [['-p', 'p1', '-s', 's1', '--running'], [a]],
      [['-p', 'nope'], []],
    ];
    for (const [args, expected] of cases) {
      expect({ args, found: await findUuids(...args) }).toEqual({ args, found: [...expected].sort() });
    }
  });

  it('prints a table, --json, and a message when nothing matches', async () => {
    const r = await ok(zenml('model-deployer', 'find'));
    const rows = lines(r.stdout).map((l) => l.split(/\s{2,}/));
    expect(rows[0]).toEqual(['STATUS', 'UUID', 'MODEL', 'PIPELINE', 'STEP', 'URL']);
    expect(rows.slice(1).map((row) => [row[0], row[1]]).sort()).toEqual([['active', a], ['active', b], ['inactive', c]].sort());
    const json = parseJson(await ok(zenml('model-deployer', 'find', '--json')));
    expect(json).toHaveLength(3);
    expect(json.find((s: { uuid: string }) => s.uuid === c)).toMatchObject({ state: 'inactive', predictionUrl: null, modelType: 'sklearn' });
    // --all: a local component's servers are its own; the same list, each with its owner.
    const all = parseJson(await ok(zenml('model-deployer', 'find', '--all', '--json')));
    expect(all.map((s: { uuid: string }) => s.uuid).sort()).toEqual([a, b, c].sort());
    expect(all.every((s: { owner: string; deployer: string }) => s.owner === s.deployer && s.owner === json[0].deployer)).toBe(true);
    expect((await ok(zenml('model-deployer', 'find', '-p', 'nope'))).stdout).toBe('no model servers found\n');
    expect(parseJson(await ok(zenml('model-deployer', 'find', '-p', 'nope', '--json')))).toEqual([]);
    expect((await ok(zenml('model-deployer', 'find', '-p', 'nope', '-q'))).stdout).toBe('');
  });

  it('-q prints bare uuids that can be fed to stop, one by one', async () => {
    const running = await ok(zenml('model-deployer', 'find', '--running', '-q'));
    expect(running.stdout).toMatch(/^([0-9a-f-]{36}\n)+$/);
    expect(running.stderr).toBe('');
    for (const uuid of lines(running.stdout)) {
      const stopped = await ok(zenml('model-deployer', 'stop', uuid, '-q'));
      expect(stopped.stdout).toBe(`${uuid}\n`);
    }
    expect(await findUuids('--running')).toEqual([]);
    expect(await findUuids()).toEqual([a, b, c].sort());
  });
});

describe('stop, start, delete by uuid prefix', () => {
  it('stops, starts and deletes through a unique prefix', async () => {
    const uuid = await deploy('--model-uri', '/m/a.onnx');
    const prefix = uuid.slice(0, 8);

    const stopped = await ok(zenml('model-deployer', 'stop', prefix));
    expect(stopped.stdout).toBe(`stopped model server ${uuid}\n`);
    expect(parseJson(await ok(zenml('model-deployer', 'describe', prefix, '--json')))).toMatchObject({ uuid, state: 'inactive', predictionUrl: null });
    // Stopping again is fine.
    expect((await zenml('model-deployer', 'stop', prefix)).code).toBe(0);

    const started = await ok(zenml('model-deployer', 'start', prefix, '--json'));
    expect(parseJson(started)).toMatchObject({ uuid, state: 'active', predictionUrl: 'http://j.test/invocations' });

    const deleted = await ok(zenml('model-deployer', 'delete', prefix));
    expect(deleted.stdout).toBe(`deleted model server ${uuid}\n`);
    expect(await findUuids()).toEqual([]);
    expect(readdirSync(recordsDir('j'))).toEqual([]);
    expect((await zenml('model-deployer', 'describe', uuid)).code).toBe(3);
  });

  it('an ambiguous prefix exits 2 and lists the candidates', async () => {
    const uuid = await deploy('--model-uri', '/m/a.onnx');
    // A second record whose uuid shares the first 8 characters (the flavor keeps one JSON file per service).
    const twin = `${uuid.slice(0, 9)}${uuid[9] === 'a' ? 'b' : 'a'}${uuid.slice(10)}`;
    const record = JSON.parse(readFileSync(path.join(recordsDir('j'), `${uuid}.json`), 'utf8'));
    writeFileSync(path.join(recordsDir('j'), `${twin}.json`), JSON.stringify({ ...record, uuid: twin }));
    expect(await findUuids()).toEqual([uuid, twin].sort());

    for (const command of [['stop'], ['start'], ['delete'], ['describe'], ['logs'], ['models', 'get-url']]) {
      const r = await zenml('model-deployer', ...command, uuid.slice(0, 8));
      expect({ command, code: r.code }).toEqual({ command, code: 2 });
      expect(r.stderr).toContain(`uuid prefix '${uuid.slice(0, 8)}' is ambiguous`);
      expect(r.stderr).toContain(uuid);
      expect(r.stderr).toContain(twin);
    }
    const json = await zenml('model-deployer', 'stop', uuid.slice(0, 8), '--json');
    expect(json.code).toBe(2);
    expect(parseJson(json).error.details.candidates.sort()).toEqual([uuid, twin].sort());
    // Nothing was stopped.
    expect(await findUuids('--running')).toEqual([uuid, twin].sort());
    // The full uuid still works.
    expect((await zenml('model-deployer', 'stop', uuid)).code).toBe(0);
  });

  it.each([['stop'], ['start'], ['delete'], ['describe'], ['logs']])('an unknown uuid exits 3 with one error line (%s)', async (command) => {
    await deploy('--model-uri', '/m/a.onnx');
    const r = await zenml('model-deployer', command, '00000000-0000-4000-8000-000000000000');
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    const errorLines = lines(r.stderr).filter((l) => !l.startsWith('hint: '));
    expect(errorLines).toEqual(["zenml: error: no model server with uuid 00000000-0000-4000-8000-000000000000 in deployer 'j'"]);
  });
});

describe('--json errors', () => {
  it.each<[string, string[], number, string]>([
    ['not found', ['model-deployer', 'stop', 'ffffffff'], 3, 'NOT_FOUND'],
    ['bad option value', ['model-deployer', 'stop', 'ffffffff', '--timeout', 'abc'], 2, 'USAGE'],
    ['unknown option', ['model-deployer', 'find', '--bogus'], 2, 'USAGE'],
    ['missing required option', ['model-deployer', 'deploy'], 2, 'USAGE'],
    ['unknown command', ['model-deployer', 'bogus'], 2, 'USAGE'],
    ['unknown deployer', ['model-deployer', 'find', '--deployer', 'nope'], 3, 'NOT_FOUND'],
  ])('%s: stdout is only {"error": {...}}', async (_label, args, exitCode, code) => {
    const r = await zenml(...args, '--json');
    expect(r.code).toBe(exitCode);
    const body = parseJson(r);
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error).toMatchObject({ code, exitCode });
    expect(typeof body.error.message).toBe('string');
    expect(body.error.message).not.toBe('');
    expect(r.stderr).toBe('');
  });
});

describe('describe, get-url, logs and the models aliases', () => {
  it('describe and models describe show one server', async () => {
    const uuid = await deploy('--model-uri', '/m/a.onnx', '--pipeline-name', 'p', '--pipeline-step-name', 's');
    const human = await ok(zenml('model-deployer', 'describe', uuid.slice(0, 6)));
    expect(human.stdout).toMatch(new RegExp(`^uuid:\\s+${uuid}$`, 'm'));
    expect(human.stdout).toMatch(/^pipeline name:\s+p$/m);
    expect(human.stdout).toMatch(/^pipeline step name:\s+s$/m);
    expect(human.stdout).toMatch(/^health check url:\s+http:\/\/j\.test\/ping$/m);
    const viaModels = parseJson(await ok(zenml('model-deployer', 'models', 'describe', uuid, '--json')));
    const viaDescribe = parseJson(await ok(zenml('model-deployer', 'describe', uuid, '--json')));
    expect(viaModels).toEqual(viaDescribe);
    expect(viaModels).toMatchObject({ uuid, pipelineName: 'p', pipelineStepName: 's' });
  });

  it('models get-url prints only the URL', async () => {
    const uuid = await deploy('--model-uri', '/m/a.onnx');
    expect((await ok(zenml('model-deployer', 'models', 'get-url', uuid))).stdout).toBe('http://j.test/invocations\n');
    expect(parseJson(await ok(zenml('model-deployer', 'models', 'get-url', uuid, '--json')))).toEqual({
      uuid,
      predictionUrl: 'http://j.test/invocations',
      state: 'active',
    });
  });

  it('logs and models logs print the server log', async () => {
    const uuid = await deploy('--model-uri', '/m/a.onnx');
    expect((await ok(zenml('model-deployer', 'logs', uuid.slice(0, 8)))).stdout).toBe(`log of ${uuid}\n`);
    expect((await ok(zenml('model-deployer', 'models', 'logs', uuid, '--tail', '5'))).stdout).toBe(`log of ${uuid}\n`);
    expect(parseJson(await ok(zenml('model-deployer', 'logs', uuid, '--json')))).toEqual({ uuid, lines: [`log of ${uuid}`] });
  });

  it('models list/stop/start/delete behave like find/stop/start/delete', async () => {
    const a = await deploy('--model-uri', '/m/a.onnx');
    const b = await deploy('--model-uri', '/m/b.onnx');
    expect(lines((await ok(zenml('model-deployer', 'models', 'list', '-q'))).stdout).sort()).toEqual([a, b].sort());
    expect(lines((await ok(zenml('model-deployer', 'models', 'list', '-q', '-m', 'b'))).stdout)).toEqual([b]);
    expect((await ok(zenml('model-deployer', 'models', 'stop', a))).stdout).toBe(`stopped model server ${a}\n`);
    expect(lines((await ok(zenml('model-deployer', 'models', 'list', '--running', '-q'))).stdout)).toEqual([b]);
    expect(parseJson(await ok(zenml('model-deployer', 'models', 'start', a, '--json'))).state).toBe('active');
    expect(parseJson(await ok(zenml('model-deployer', 'models', 'delete', a, '--json')))).toEqual({ uuid: a, deleted: true });
    expect(await findUuids()).toEqual([b]);
    expect((await zenml('model-deployer', 'models', 'describe', a)).code).toBe(3);
  });
});

describe('--deployer', () => {
  it('selects a deployer other than the active stack\'s', async () => {
    const onT = parseJson(await ok(zenml('model-deployer', 'deploy', '--deployer', 't', '--model-uri', '/m/t.onnx', '--json')));
    expect(onT).toMatchObject({ deployer: 't', flavor: 'record-ts', predictionUrl: `http://127.0.0.1:9999/${onT.uuid}/invocations`, info: { REPLICAS: '1' } });
    const onJ = await deploy('--model-uri', '/m/j.onnx');

    expect(await findUuids()).toEqual([onJ]);
    expect(await findUuids('--deployer', 't')).toEqual([onT.uuid]);
    expect(lines((await ok(zenml('model-deployer', 'models', 'list', '--deployer', 't', '-q'))).stdout)).toEqual([onT.uuid]);
    // The server of `t` is invisible to the active deployer.
    expect((await zenml('model-deployer', 'stop', onT.uuid)).code).toBe(3);
    expect((await ok(zenml('model-deployer', 'models', 'get-url', onT.uuid, '--deployer', 't'))).stdout).toBe(`${onT.predictionUrl}\n`);
    expect((await zenml('model-deployer', 'stop', onT.uuid, '--deployer', 't')).code).toBe(0);
    expect(parseJson(await ok(zenml('model-deployer', 'describe', onT.uuid, '--deployer', 't', '--json'))).state).toBe('inactive');
    expect((await zenml('model-deployer', 'start', onT.uuid, '--deployer', 't')).code).toBe(0);
    expect((await zenml('model-deployer', 'logs', onT.uuid, '--deployer', 't')).stdout).toBe(`log of ${onT.uuid}\n`);
    expect((await zenml('model-deployer', 'delete', onT.uuid, '--deployer', 't')).code).toBe(0);
    expect(await findUuids('--deployer', 't')).toEqual([]);
    expect(await findUuids()).toEqual([onJ]);
  });

  it('an unknown deployer exits 3', async () => {
    const r = await zenml('model-deployer', 'find', '--deployer', 'nope');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("no model deployer named 'nope'");
  });
});

describe('bad option values exit 2', () => {
  it.each<[string, string[], string]>([
    ['--timeout abc', ['stop', 'X', '--timeout', 'abc'], '--timeout'],
    ['-t -5', ['start', 'X', '-t', '-5'], '--timeout'],
    ['deploy --timeout x', ['deploy', '--model-uri', '/m/a.onnx', '--timeout', 'x'], '--timeout'],
    ['--tail abc', ['logs', 'X', '--tail', 'abc'], '--tail'],
    ['--tail 1.5', ['logs', 'X', '--tail', '1.5'], '--tail'],
    ['an unknown option', ['find', '--bogus'], "unknown option '--bogus'"],
    ['a missing option value', ['find', '--model-name'], '--model-name'],
  ])('%s', async (_label, args, message) => {
    const uuid = await deploy('--model-uri', '/m/a.onnx');
    const r = await zenml('model-deployer', ...args.map((a) => (a === 'X' ? uuid : a)));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
    // Nothing changed: the server is still the only one, and still running.
    expect(await findUuids('--running')).toEqual([uuid]);
  });

  it('the usage error names the value that was given', async () => {
    const r = await zenml('model-deployer', 'stop', 'ffffffff', '--timeout', 'abc');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--timeout: expected a number of seconds');
    expect(r.stderr).toContain('abc');
  });
});
