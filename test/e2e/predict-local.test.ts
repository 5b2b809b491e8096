// `zenml model-deployer predict` through the built binary against a real `local` model server (Iris ONNX, with an
// auth token), a custom flavor's servers (real HTTP servers started here, the default hook) and a flavor that
// overrides the hook. Every input form, every error, and the token never appears in any output.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, killRunningZenml, parseJson, relativeFixture, runZenml, writeDotfile, type RunResult } from '../helpers/cli.js';
import { CliSandbox } from '../helpers/mlflow-cli.js';

const IRIS = path.join(REPO_ROOT, 'examples/iris/model.onnx');
const TOKEN = 'predict-test-token-5f1c9a';
const COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.0, 2.9, 4.5, 1.5],
  [6.9, 3.1, 5.4, 2.1],
];
const LABELS = [0, 1, 2];
const CSV = `${COLUMNS.join(',')}\n${ROWS.map((r) => r.join(',')).join('\n')}\n`;
const V2_REQUEST = { inputs: [{ name: 'input', shape: [3, 4], datatype: 'FP32', data: ROWS.flat() }] };

// CliSandbox: a temp HOME with its own dotfile, and a cleanup that stops every server any record names.
const sandbox = new CliSandbox();
let uuid: string;
let stoppedUuid: string;
let fake: Server;
let closedPort: number;

/** Run `zenml --config <sandbox> …args`; every output is checked for the token as it comes back. */
async function zenml(args: string[], input?: string): Promise<RunResult> {
  const result = await runZenml(['--config', sandbox.configPath, ...args], { cwd: sandbox.dir, input, timeoutMs: 90_000 });
  expect({ args, tokenInOutput: `${result.stdout}${result.stderr}`.includes(TOKEN) }).toEqual({ args, tokenInOutput: false });
  return result;
}

const predict = (target: string, ...more: string[]) => zenml(['model-deployer', 'predict', target, ...more]);

/** Exit 0 and stdout parsed as JSON. */
async function predictJson(target: string, ...more: string[]): Promise<any> {
  const result = await predict(target, ...more);
  if (result.code !== 0) throw new Error(`predict ${more.join(' ')} exited ${result.code}\n${result.stdout}${result.stderr}`);
  return parseJson(result);
}

function labelsOf(answer: any): number[] {
  return Array.isArray(answer.predictions) ? answer.predictions.map((p: any) => p.label) : answer.predictions.label;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  // A stand-in for a custom flavor's model servers: /ok answers, /fail answers 500, /hang never answers.
  fake = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.url?.startsWith('/ok/')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ predictions: [{ path: req.url, contentType: req.headers['content-type'], body }] }));
      } else if (req.url?.startsWith('/fail/')) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'model exploded' }));
      }
      // /hang: no answer; the CLI's --timeout must give up
    });
  });
  const port = await listen(fake);
  const closed = createServer();
  closedPort = await listen(closed);
  await new Promise((r) => closed.close(r));

  const record = (baseUrl: string) => ({ flavor: 'record-ts', settings: { baseUrl } });
  writeDotfile(sandbox.dir, {
    version: 1,
    flavors: {
      'record-ts': { source: relativeFixture(sandbox.dir, 'record-flavor.ts') },
      'echo-predict': { source: relativeFixture(sandbox.dir, 'predict-flavor.ts') },
    },
    modelDeployers: {
      sec: { flavor: 'local', settings: { authToken: TOKEN } },
      ok: record(`http://127.0.0.1:${port}/ok`),
      fail: record(`http://127.0.0.1:${port}/fail`),
      hang: record(`http://127.0.0.1:${port}/hang`),
      closed: record(`http://127.0.0.1:${closedPort}`),
      echo: { flavor: 'echo-predict', settings: {} },
    },
    stacks: { main: { modelDeployer: 'sec' } },
    activeStack: 'main',
  });
  const deploy = async (name: string) => {
    const result = await zenml(['model-deployer', 'deploy', '--model-uri', IRIS, '--model-name', name, '--timeout', '60', '-q']);
    if (result.code !== 0) throw new Error(`deploy exited ${result.code}: ${result.stderr}`);
    return result.stdout.trim();
  };
  uuid = await deploy('iris');
  stoppedUuid = await deploy('iris-stopped');
  expect((await zenml(['model-deployer', 'stop', stoppedUuid, '-q'])).code).toBe(0);
}, 180_000);

afterAll(async () => {
  killRunningZenml();
  await new Promise((r) => fake?.close(r));
  fake?.closeAllConnections();
  await sandbox.cleanup();
});

describe('predict against a local model server', () => {
  it('the server requires the token (so sending it is what makes the CLI work)', async () => {
    const view = await predict(uuid, '--data', JSON.stringify({ instances: ROWS }), '--json');
    expect(view.code).toBe(0);
    const url = JSON.parse((await zenml(['model-deployer', 'describe', uuid, '--json'])).stdout).info.PREDICTION_URL;
    const anonymous = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: ROWS }) });
    expect(anonymous.status).toBe(401);
  });

  it('--data with an MLflow tensor request, by uuid prefix', async () => {
    const answer = await predictJson(uuid.slice(0, 8), '--data', JSON.stringify({ instances: ROWS }));
    expect(answer.predictions.label).toEqual(LABELS);
    expect(answer.predictions.probabilities).toHaveLength(3);
  });

  it('--file rows.csv is sent as text/csv and answers one record per row', async () => {
    writeFileSync(path.join(sandbox.dir, 'rows.csv'), CSV);
    const answer = await predictJson(uuid, '--file', 'rows.csv');
    expect(labelsOf(answer)).toEqual(LABELS);
  });

  it('--file request.json (dataframe_split)', async () => {
    writeFileSync(path.join(sandbox.dir, 'request.json'), JSON.stringify({ dataframe_split: { columns: COLUMNS, data: ROWS } }));
    expect(labelsOf(await predictJson(uuid, '--file', 'request.json'))).toEqual(LABELS);
  });

  it('--file - reads JSON or CSV from stdin', async () => {
    const json = await zenml(['model-deployer', 'predict', uuid, '--file', '-'], JSON.stringify({ dataframe_records: ROWS.map((r) => Object.fromEntries(COLUMNS.map((c, i) => [c, r[i]]))) }));
    expect(json.code).toBe(0);
    expect(labelsOf(parseJson(json))).toEqual(LABELS);
    const csv = await zenml(['model-deployer', 'predict', uuid, '--file', '-'], CSV);
    expect(csv.code).toBe(0);
    expect(labelsOf(parseJson(csv))).toEqual(LABELS);
  });

  it('--protocol v2 sends a v2 inference request to the v2 infer URL; --json prints the answer on one line', async () => {
    writeFileSync(path.join(sandbox.dir, 'v2-request.json'), JSON.stringify({ id: 'req-7', ...V2_REQUEST }));
    const result = await predict(uuid, '--file', 'v2-request.json', '--protocol', 'v2', '--json');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const answer = parseJson(result);
    expect(answer).toMatchObject({ model_name: 'iris', id: 'req-7' });
    expect(answer.outputs.find((o: any) => o.name === 'label').data).toEqual(LABELS);
  });

  it('--model names the model, in both protocols; an unknown one is the server\'s 404 (exit 2 with its message)', async () => {
    expect((await predictJson(uuid, '--data', JSON.stringify({ instances: ROWS }), '--model', 'iris')).predictions.label).toEqual(LABELS);
    const v2 = await predictJson(uuid, '--data', JSON.stringify(V2_REQUEST), '--protocol', 'v2', '--model', 'iris');
    expect(v2.model_name).toBe('iris');
    for (const protocol of ['mlflow', 'v2']) {
      const body = protocol === 'v2' ? V2_REQUEST : { instances: ROWS };
      const result = await predict(uuid, '--data', JSON.stringify(body), '--protocol', protocol, '--model', 'nope');
      expect({ protocol, code: result.code, stdout: result.stdout }).toEqual({ protocol, code: 2, stdout: '' });
      expect(result.stderr).toContain("unknown model 'nope'");
    }
  });

  it('-q prints the uuid of the server that answered, and nothing else', async () => {
    const result = await predict(uuid.slice(0, 6), '--data', JSON.stringify({ instances: ROWS }), '-q');
    expect(result).toMatchObject({ code: 0, stdout: `${uuid}\n`, stderr: '' });
  });

  it("the server's 4xx is exit 2 with its message on stderr, and a JSON error with --json", async () => {
    const wrongShape = JSON.stringify({ instances: [[1, 2, 3]] });
    const human = await predict(uuid, '--data', wrongShape);
    expect(human.code).toBe(2);
    expect(human.stdout).toBe('');
    expect(human.stderr).toMatch(/rejected the request \(400\): input 'input' expects shape \[-1,4\]/);
    const json = await predict(uuid, '--data', wrongShape, '--json');
    expect(json.code).toBe(2);
    expect(parseJson(json).error).toMatchObject({ code: 'PREDICTION_REJECTED', exitCode: 2, details: { status: 400 } });
    // The same with --verbose: a stack trace, still no token (checked by zenml()).
    expect((await predict(uuid, '--data', wrongShape, '--verbose')).code).toBe(2);
  });

  it('bad input is exit 2 before anything is sent, naming what was wrong', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--data', '{"instances": [[5.1, 3.5'], /--data: not valid JSON/],
      [['--file', 'missing.json'], /missing\.json: no such file/],
      [['--data', '{}', '--file', 'rows.csv'], /either --data or --file/],
      [[], /nothing to predict/],
      [['--file', 'rows.csv', '--protocol', 'v2'], /CSV rows can only be sent with the MLflow protocol/],
      [['--data', '{}', '--protocol', 'grpc'], /--protocol: expected one of mlflow, v2/],
      [['--data', '{}', '--timeout', 'soon'], /--timeout: expected a number of seconds/],
    ];
    writeFileSync(path.join(sandbox.dir, 'rows.csv'), CSV);
    for (const [args, message] of cases) {
      const result = await predict(uuid, ...args);
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(result.stderr).toMatch(message);
    }
  });

  it('an unknown uuid is exit 3', async () => {
    const result = await predict('00000000-dead', '--data', '{}');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('no model server with uuid 00000000-dead');
  });

  it('a stopped server is exit 1, saying so', async () => {
    const result = await predict(stoppedUuid, '--data', JSON.stringify({ instances: ROWS }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`model server ${stoppedUuid} is not running (state: inactive)`);
    expect(result.stderr).toContain(`zenml model-deployer start ${stoppedUuid}`);
  });
});

describe('predict against other flavors', () => {
  async function deployTo(deployer: string): Promise<string> {
    const result = await zenml(['model-deployer', 'deploy', '--deployer', deployer, '--model-uri', 's3://bucket/model', '--model-name', 'm', '-q']);
    if (result.code !== 0) throw new Error(`deploy to ${deployer} exited ${result.code}: ${result.stderr}`);
    return result.stdout.trim();
  }

  it("the default hook posts to any flavor's PREDICTION_URL", async () => {
    const id = await deployTo('ok');
    const answer = await predictJson(id, '--deployer', 'ok', '--file', 'rows.csv');
    expect(answer.predictions[0]).toEqual({ path: `/ok/${id}/invocations`, contentType: 'text/csv', body: CSV });
    const withModel = await predictJson(id, '--deployer', 'ok', '--data', '{"instances": [1]}', '--model', 'other');
    expect(withModel.predictions[0].path).toBe(`/ok/${id}/invocations?model=other`);
    // No V2_INFER_URL in this flavor's info: v2 is refused before sending.
    const v2 = await predict(id, '--deployer', 'ok', '--data', '{}', '--protocol', 'v2');
    expect(v2.code).toBe(2);
    expect(v2.stderr).toContain('does not serve the Open Inference Protocol v2');
  });

  it('a server that cannot be reached is exit 1', async () => {
    const id = await deployTo('closed');
    const result = await predict(id, '--deployer', 'closed', '--data', '{}');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot reach model server ${id} at http://127.0.0.1:${closedPort}/`);
    expect(result.stderr).toContain('ECONNREFUSED');
  });

  it("the server's 5xx is exit 1 with its message", async () => {
    const id = await deployTo('fail');
    const result = await predict(id, '--deployer', 'fail', '--data', '{}');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('failed to predict (500): model exploded');
  });

  it('no answer within --timeout is exit 4', async () => {
    const id = await deployTo('hang');
    const result = await predict(id, '--deployer', 'hang', '--data', '{}', '--timeout', '0.5');
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`model server ${id} did not answer within 0.5 s`);
  });

  it('a flavor that overrides performPredict answers its own way', async () => {
    const id = await deployTo('echo');
    const answer = await predictJson(id, '--deployer', 'echo', '--data', '{"x": [1, 2]}', '--model', 'b');
    expect(answer).toEqual({ echoed: { x: [1, 2] }, model: 'b' });
  });
});
