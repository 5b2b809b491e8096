// Pure logic of `predict`, in-process: how the body is read and typed (--data, files by extension, stdin sniffed)
// and which URL and protocol a request goes to for a flavor's info.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { readPredictInput } from '../../src/predict/predict-input.js';
import { resolveEndpoint } from '../../src/predict/http-predict.js';
import type { PredictRequest } from '../../src/predict/prediction.js';
import { TempDirs } from '../helpers/temp.js';

const temps = new TempDirs();
afterEach(() => temps.cleanup());

describe('readPredictInput', () => {
  it.each([
    ['rows.csv', 'a,b\n1,2\n', 'text/csv'],
    ['request.json', '{"instances": [[1, 2]]}', 'application/json'],
    ['request.txt', '  {"instances": [[1, 2]]}', 'application/json'],
    ['rows.txt', 'a,b\n1,2\n', 'text/csv'],
    ['list', '[1, 2]', 'application/json'],
  ])('%s (%j) is sent as %s', async (name, text, contentType) => {
    const cwd = temps.dir();
    writeFileSync(path.join(cwd, name), text);
    expect(await readPredictInput({ file: name, cwd })).toEqual({ body: text, contentType, source: name });
  });

  it('sends --data as typed (numbers keep their digits)', async () => {
    const data = '{"instances": [[5.100000000000000001]]}';
    expect(await readPredictInput({ data, cwd: '/' })).toEqual({ body: data, contentType: 'application/json', source: '--data' });
  });

  it('reads --file - from stdin and sniffs it', async () => {
    expect(await readPredictInput({ file: '-', cwd: '/', stdin: Readable.from([Buffer.from('x,y\n'), Buffer.from('1,2\n')]) }))
      .toEqual({ body: 'x,y\n1,2\n', contentType: 'text/csv', source: 'stdin' });
    expect((await readPredictInput({ file: '-', cwd: '/', stdin: Readable.from(['{"a": 1}']) })).contentType).toBe('application/json');
  });

  it.each([
    [{ data: '{"a": ' }, /^--data: not valid JSON/],
    [{ data: '   ' }, /^--data: is empty/],
    [{ file: 'bad.json' }, /^bad\.json: not valid JSON/],
    [{ file: 'nope.csv' }, /^nope\.csv: no such file/],
    [{ file: '.' }, /is a directory/],
    [{ data: '{}', file: 'x.json' }, /either --data or --file/],
    [{}, /nothing to predict/],
  ])('rejects %j with a usage error (exit 2)', async (opts, message) => {
    const cwd = temps.dir();
    writeFileSync(path.join(cwd, 'bad.json'), '{"a": ');
    await expect(readPredictInput({ ...opts, cwd })).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(message) });
  });
});

describe('resolveEndpoint', () => {
  const local = { PREDICTION_URL: 'http://127.0.0.1:5000/invocations', V2_INFER_URL: 'http://127.0.0.1:5000/v2/models/iris/infer' };
  const req = (over: Partial<PredictRequest> = {}): PredictRequest => ({ body: '{}', contentType: 'application/json', source: '--data', timeoutMs: 1000, ...over });
  const target = (info: Record<string, string>) => ({ uuid: 'u1', info });

  it.each([
    ['MLflow by default', local, req(), 'mlflow', 'http://127.0.0.1:5000/invocations'],
    ['v2 on request', local, req({ protocol: 'v2' }), 'v2', 'http://127.0.0.1:5000/v2/models/iris/infer'],
    ['--model on /invocations', local, req({ model: 'b' }), 'mlflow', 'http://127.0.0.1:5000/invocations?model=b'],
    ['--model on v2', local, req({ protocol: 'v2', model: 'b' }), 'v2', 'http://127.0.0.1:5000/v2/models/b/infer'],
    ['--model drops a version', { V2_INFER_URL: 'http://h:1/v2/models/a/versions/3/infer' }, req({ model: 'b' }), 'v2', 'http://h:1/v2/models/b/infer'],
    ['a v2 PREDICTION_URL is native v2', { PREDICTION_URL: 'http://h:1/v2/models/a/infer' }, req(), 'v2', 'http://h:1/v2/models/a/infer'],
    ['CSV goes to MLflow', local, req({ contentType: 'text/csv' }), 'mlflow', 'http://127.0.0.1:5000/invocations'],
  ])('%s', (_name, info, request, protocol, url) => {
    expect(resolveEndpoint(target(info), request)).toEqual({ protocol, url });
  });

  it.each([
    ['v2 without V2_INFER_URL', { PREDICTION_URL: 'http://h:1/invocations' }, req({ protocol: 'v2' }), /does not serve the Open Inference Protocol v2/, 2],
    ['CSV with v2', local, req({ contentType: 'text/csv', protocol: 'v2' }), /CSV rows can only be sent with the MLflow protocol/, 2],
    ['MLflow to a v2-only server', { PREDICTION_URL: 'http://h:1/v2/models/a/infer' }, req({ protocol: 'mlflow' }), /does not serve MLflow's scoring protocol/, 2],
    ['no URL at all', { PREDICTION_URL: '' }, req(), /has no prediction URL/, 1],
  ])('%s is refused before sending', (_name, info, request, message, exitCode) => {
    expect(() => resolveEndpoint(target(info), request)).toThrow(message);
    try {
      resolveEndpoint(target(info), request);
    } catch (error) {
      expect((error as { exitCode: number }).exitCode).toBe(exitCode);
    }
  });
});
