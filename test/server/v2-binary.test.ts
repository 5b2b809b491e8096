// The binary tensor data extension against the real daemon, with raw bodies built here from the spec: binary and
// mixed requests under every Content-Type clients send, binary answers when asked, BOOL and BYTES, the same values as
// JSON, and clear 400s for bodies whose sizes do not add up.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IRIS_V1, postJson, startServer, stopAllServers, tempDir, type ServerProcess } from '../helpers/server-harness.js';
import { irisRows } from '../helpers/server-reference.js';
import { writeTestModels } from '../helpers/server-models.js';
import { binaryBody, postBinary, toBytes } from '../helpers/v2-binary-client.js';

let server: ServerProcess;
const rows = irisRows(6);
const flat = rows.flat();

beforeAll(async () => {
  const dir = tempDir();
  const models = writeTestModels(dir);
  server = await startServer(
    {
      models: [
        { name: 'iris', version: 'v1', uri: IRIS_V1 },
        { name: 'typed', version: '3', uri: models.typed },
        { name: 'strings', version: '1', uri: models.strings },
      ],
    },
    dir,
  );
});

afterAll(stopAllServers);

const infer = (model: string) => `${server.url}/v2/models/${model}/infer`;
const irisHeader = (extra: Record<string, unknown> = {}) => ({
  inputs: [{ name: 'input', shape: [rows.length, 4], datatype: 'FP32', parameters: { binary_data_size: flat.length * 4 } }],
  ...extra,
});

async function jsonAnswer() {
  const r = await postJson(infer('iris'), { inputs: [{ name: 'input', shape: [rows.length, 4], datatype: 'FP32', data: flat }] });
  expect(r.status).toBe(200);
  const outputs = r.json().outputs as Array<{ name: string; data: unknown[] }>;
  return Object.fromEntries(outputs.map((o) => [o.name, o.data]));
}

describe('binary requests', () => {
  it.each([
    ['no Content-Type', {}],
    ['application/octet-stream', { 'content-type': 'application/octet-stream' }],
    ['application/json', { 'content-type': 'application/json' }],
  ])('binary input with %s, binary outputs (binary_data_output): the same values as JSON', async (_label, contentType) => {
    const { body, headerLength } = binaryBody(irisHeader({ parameters: { binary_data_output: true } }), [toBytes('FP32', flat)]);
    const r = await postBinary(infer('iris'), body, { ...contentType, 'inference-header-content-length': String(headerLength) });
    expect(r.status).toBe(200);
    expect(r.binaryOutputs.sort()).toEqual(['label', 'probabilities']);
    expect(r.header.outputs.find((o: any) => o.name === 'probabilities')).toEqual({
      name: 'probabilities',
      datatype: 'FP32',
      shape: [rows.length, 3],
      parameters: { binary_data_size: rows.length * 3 * 4 },
    });
    expect(r.values).toEqual(await jsonAnswer());
  });

  it('the same header with other tensor bytes answers those bytes (the server keeps parsed headers by their bytes)', async () => {
    const header = irisHeader({ parameters: { binary_data_output: true } });
    const reversed = [...rows].reverse().flat();
    const answers: Array<Record<string, unknown[]>> = [];
    for (const values of [flat, reversed, flat]) {
      const { body, headerLength } = binaryBody(header, [toBytes('FP32', values)]);
      const r = await postBinary(infer('iris'), body, { 'inference-header-content-length': String(headerLength) });
      expect(r.status).toBe(200);
      answers.push(r.values);
    }
    expect(answers[0]).toEqual(await jsonAnswer());
    expect(answers[2]).toEqual(answers[0]);
    const labels = answers[0]!.label!;
    expect(answers[1]!.label).toEqual([...labels].reverse());
    expect(new Set(labels).size).toBeGreaterThan(1);
  });

  it('answers JSON unless binary outputs are asked for', async () => {
    const { body, headerLength } = binaryBody(irisHeader({ id: 'j1' }), [toBytes('FP32', flat)]);
    const r = await postBinary(infer('iris'), body, { 'inference-header-content-length': String(headerLength) });
    expect(r.status).toBe(200);
    expect(r.headers['inference-header-content-length']).toBeUndefined();
    expect(r.headers['content-type']).toMatch(/application\/json/);
    expect(r.header.id).toBe('j1');
    expect(r.binaryOutputs).toEqual([]);
    expect(r.values).toEqual(await jsonAnswer());
  });

  it('a non-ASCII id in a binary answer: the header length counts its UTF-8 bytes, and the header and tensors read back', async () => {
    const id = 'exécution-☃-1';
    const { body, headerLength } = binaryBody(irisHeader({ id, parameters: { binary_data_output: true } }), [toBytes('FP32', flat)]);
    const r = await postBinary(infer('iris'), body, { 'inference-header-content-length': String(headerLength) });
    expect(r.status).toBe(200);
    expect(r.header.id).toBe(id);
    expect(Number(r.headers['inference-header-content-length'])).toBe(Buffer.byteLength(JSON.stringify(r.header), 'utf8'));
    expect(r.values).toEqual(await jsonAnswer());
  });

  it('per-output binary_data picks which outputs come as binary (and overrides binary_data_output)', async () => {
    const header = irisHeader({
      parameters: { binary_data_output: true },
      outputs: [{ name: 'label', parameters: { binary_data: false } }, { name: 'probabilities' }],
    });
    const { body, headerLength } = binaryBody(header, [toBytes('FP32', flat)]);
    const r = await postBinary(infer('iris'), body, { 'inference-header-content-length': String(headerLength) });
    expect(r.status).toBe(200);
    expect(r.header.outputs.map((o: any) => o.name)).toEqual(['label', 'probabilities']);
    expect(r.binaryOutputs).toEqual(['probabilities']);
    expect(r.values).toEqual(await jsonAnswer());
  });

  it('mixed JSON and binary inputs, BOOL as one byte, INT64 and FP64 raw', async () => {
    const header = {
      inputs: [
        { name: 'f64', shape: [2, 2], datatype: 'FP64', parameters: { binary_data_size: 32 } },
        { name: 'i32', shape: [2], datatype: 'INT32', data: [7, -8] },
        { name: 'i64', shape: [2], datatype: 'INT64', parameters: { binary_data_size: 16 } },
        { name: 'flag', shape: [2], datatype: 'BOOL', parameters: { binary_data_size: 2 } },
      ],
      outputs: [
        { name: 'f64_double', parameters: { binary_data: true } },
        { name: 'i32_double', parameters: { binary_data: true } },
        { name: 'i64_double' },
        { name: 'flag_not', parameters: { binary_data: true } },
      ],
    };
    const parts = [toBytes('FP64', [0.5, 1.25, -2, 1e-300]), toBytes('INT64', [2 ** 40, -3]), toBytes('BOOL', [true, false])];
    const { body, headerLength } = binaryBody(header, parts);
    const r = await postBinary(infer('typed'), body, { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(headerLength) });
    expect(r.status).toBe(200);
    expect(r.binaryOutputs).toEqual(['f64_double', 'i32_double', 'flag_not']);
    expect(r.values).toEqual({
      f64_double: [1, 2.5, -4, 2e-300],
      i32_double: [14, -16],
      i64_double: [2 ** 41, -6],
      flag_not: [false, true],
    });
    expect(r.header.outputs.find((o: any) => o.name === 'flag_not').parameters).toEqual({ binary_data_size: 2 });
  });

  it('BYTES as 4-byte length-prefixed elements, both ways', async () => {
    const text = ['héllo', '', 'wörld!'];
    const bytes = toBytes('BYTES', text);
    const header = { inputs: [{ name: 'text', shape: [3], datatype: 'BYTES', parameters: { binary_data_size: bytes.length } }], parameters: { binary_data_output: true } };
    const { body, headerLength } = binaryBody(header, [bytes]);
    const r = await postBinary(infer('strings'), body, { 'inference-header-content-length': String(headerLength) });
    expect(r.status).toBe(200);
    expect(r.binaryOutputs).toEqual(['echo']);
    expect(r.values.echo).toEqual(text);
    expect(r.header.outputs[0].parameters.binary_data_size).toBe(bytes.length);
  });
});

describe('bad binary requests are 400s that say what is wrong, and the server keeps serving', () => {
  const good = toBytes('FP32', flat);
  const cases: Array<[string, () => { body: Buffer; headerLength: string | undefined }, RegExp]> = [
    ['header length past the body', () => ({ ...binaryBody(irisHeader(), [good]), headerLength: '99999' }), /Inference-Header-Content-Length is 99999, but the body has only \d+ bytes/],
    ['header length not a number', () => ({ ...binaryBody(irisHeader(), [good]), headerLength: 'ten' }), /Inference-Header-Content-Length must be a non-negative integer, got "ten"/],
    ['bytes left over after the inputs', () => stringify(binaryBody(irisHeader(), [good, Buffer.alloc(8)])), /has \d+ bytes after the JSON header, but the binary_data_size of 'input' add up to 96/],
    ['binary_data_size past the end', () => stringify(binaryBody(irisHeader(), [good.subarray(0, 40)])), /input 'input' has binary_data_size 96 at byte 0 of the binary data, but there are only 40 bytes/],
    [
      'size that does not match shape × datatype',
      () => stringify(binaryBody({ inputs: [{ name: 'input', shape: [rows.length, 4], datatype: 'FP32', parameters: { binary_data_size: 95 } }] }, [good.subarray(0, 95)])),
      /input 'input' has 95 bytes of FP32 data, but shape \[6,4\] needs 96 \(24 × 4\)/,
    ],
    [
      'binary_data_size without the header',
      () => ({ body: binaryBody(irisHeader(), []).body, headerLength: undefined }),
      /input 'input' has parameters.binary_data_size, but the request has no Inference-Header-Content-Length header/,
    ],
    [
      'both data and binary_data_size',
      () => stringify(binaryBody({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4], parameters: { binary_data_size: 16 } }] }, [good.subarray(0, 16)])),
      /input 'input' has both "data" and parameters.binary_data_size/,
    ],
    [
      'negative binary_data_size',
      () => stringify(binaryBody({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: -16 } }] }, [])),
      /binary_data_size must be a non-negative integer, got -16/,
    ],
    [
      'binary_data that is not a boolean',
      () => stringify(binaryBody(irisHeader({ outputs: [{ name: 'label', parameters: { binary_data: 'yes' } }] }), [good])),
      /output 'label' parameters.binary_data must be true or false, got "yes"/,
    ],
  ];

  function stringify(b: { body: Buffer; headerLength: number }) {
    return { body: b.body, headerLength: String(b.headerLength) };
  }

  it.each(cases)('%s', async (_name, make, error) => {
    const { body, headerLength } = make();
    const headers: Record<string, string> = headerLength === undefined ? { 'content-type': 'application/json' } : { 'inference-header-content-length': headerLength };
    const r = await postBinary(infer('iris'), body, headers);
    expect(r.status).toBe(400);
    expect(r.header.error).toMatch(error);
    const again = await postJson(infer('iris'), { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }] });
    expect(again.status).toBe(200);
  });
});
