/**
 * Reads a v2 REST inference body, JSON or with binary tensors, into the protocol-neutral request, plus what the
 * answer should look like (the id to echo, which outputs go back as binary).
 */
import { parseJsonBody, RequestError } from './http-util.js';
import { binaryCursor, splitBinaryBody, type BinaryCursor } from './v2-binary.js';
import { DATATYPES, type WireInput, type WireRequest } from './v2-infer.js';

/** A parsed REST inference request. */
export interface RestRequest extends WireRequest {
  /** The request's id, echoed in the answer. */
  id?: string;
  /** True for outputs the client asked to get as binary data. */
  binary(output: string): boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parametersOf(raw: Record<string, unknown>, where: string): Record<string, unknown> {
  if (raw.parameters === undefined) return {};
  if (!isObject(raw.parameters)) throw new RequestError(400, `${where} "parameters" must be an object`);
  return raw.parameters;
}

function flag(params: Record<string, unknown>, key: string, where: string): boolean | undefined {
  const v = params[key];
  if (v === undefined || typeof v === 'boolean') return v;
  throw new RequestError(400, `${where} parameters.${key} must be true or false, got ${JSON.stringify(v)}`);
}

function parseInput(raw: unknown, i: number, cursor: BinaryCursor): WireInput {
  if (!isObject(raw) || typeof raw.name !== 'string') throw new RequestError(400, `inputs[${i}] needs a string "name"`);
  const name = raw.name;
  const shape = raw.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RequestError(400, `input '${name}' needs "shape": a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const datatype = raw.datatype;
  if (typeof datatype !== 'string') throw new RequestError(400, `input '${name}' has datatype ${JSON.stringify(datatype)}; expected one of ${DATATYPES}`);
  const size = parametersOf(raw, `input '${name}'`).binary_data_size;
  if (size === undefined) {
    if (!('data' in raw)) throw new RequestError(400, `input '${name}' needs "data": its values, flat in row-major order or nested`);
    return { name, datatype, shape: shape as number[], data: raw.data };
  }
  if (!Number.isSafeInteger(size) || (size as number) < 0) {
    throw new RequestError(400, `input '${name}' parameters.binary_data_size must be a non-negative integer, got ${JSON.stringify(size)}`);
  }
  if ('data' in raw) throw new RequestError(400, `input '${name}' has both "data" and parameters.binary_data_size; send one`);
  return { name, datatype, shape: shape as number[], raw: cursor.take(name, size as number) };
}

function parseOutputs(raw: unknown, allBinary: boolean): { names?: string[]; binary: Map<string, boolean> } {
  const binary = new Map<string, boolean>();
  if (raw === undefined) return { binary };
  if (!Array.isArray(raw)) throw new RequestError(400, `expected "outputs": a list of {"name"}`);
  const names = raw.map((o, i) => {
    const name = isObject(o) ? o.name : undefined;
    if (typeof name !== 'string') throw new RequestError(400, `outputs[${i}] needs a string "name"`);
    binary.set(name, flag(parametersOf(o as Record<string, unknown>, `output '${name}'`), 'binary_data', `output '${name}'`) ?? allBinary);
    return name;
  });
  return { names, binary };
}

/** Parses the body; `headerLength` is the Inference-Header-Content-Length header when the client sent one. */
export function parseRestRequest(body: Buffer, headerLength: string | undefined): RestRequest {
  const { header, tail } = headerLength === undefined ? { header: parseJsonBody(body), tail: undefined } : splitBinaryBody(body, headerLength);
  if (!isObject(header)) throw new RequestError(400, 'expected a JSON object {"inputs": [...]}');
  if (header.id !== undefined && typeof header.id !== 'string') throw new RequestError(400, '"id" must be a string');
  if (!Array.isArray(header.inputs) || header.inputs.length === 0) {
    throw new RequestError(400, `expected "inputs": a non-empty list of {"name", "shape", "datatype", "data"}`);
  }
  const cursor = binaryCursor(tail);
  const inputs = header.inputs.map((raw, i) => parseInput(raw, i, cursor));
  cursor.finish();
  const allBinary = flag(parametersOf(header, 'the request'), 'binary_data_output', 'the request') ?? false;
  const outputs = parseOutputs(header.outputs, allBinary);
  return {
    inputs,
    outputs: outputs.names,
    id: header.id as string | undefined,
    binary: (name) => outputs.binary.get(name) ?? allBinary,
  };
}
