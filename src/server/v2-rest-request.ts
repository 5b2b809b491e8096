/**
 * Reads a v2 REST inference body, JSON or with binary tensors, into the protocol-neutral request, plus what the
 * answer should look like (the id to echo, which outputs go back as binary).
 */
import { parseJsonBody, RequestError } from './http-util.js';
import { binaryCursor, splitBinaryBody } from './v2-binary.js';
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

/** An input as the JSON header describes it; a binary one has its byte count instead of its bytes. */
type PlannedInput = WireInput & { size?: number };

function parseInput(raw: unknown, i: number): PlannedInput {
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
  // Frozen: a cached plan's shape is every later request's (see plans below).
  return { name, datatype, shape: Object.freeze(shape) as number[], size: size as number };
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

/** What a request's JSON header asks for, checked; binary inputs get their bytes when bound to a body. */
interface RestPlan {
  inputs: PlannedInput[];
  outputs?: string[];
  id?: string;
  binary(output: string): boolean;
}

function planOf(header: unknown): RestPlan {
  if (!isObject(header)) throw new RequestError(400, 'expected a JSON object {"inputs": [...]}');
  if (header.id !== undefined && typeof header.id !== 'string') throw new RequestError(400, '"id" must be a string');
  if (!Array.isArray(header.inputs) || header.inputs.length === 0) {
    throw new RequestError(400, `expected "inputs": a non-empty list of {"name", "shape", "datatype", "data"}`);
  }
  const inputs = header.inputs.map((raw, i) => parseInput(raw, i));
  const allBinary = flag(parametersOf(header, 'the request'), 'binary_data_output', 'the request') ?? false;
  const outputs = parseOutputs(header.outputs, allBinary);
  return { inputs, outputs: outputs.names, id: header.id as string | undefined, binary: (name) => outputs.binary.get(name) ?? allBinary };
}

function bind(plan: RestPlan, tail: Buffer | undefined): RestRequest {
  const cursor = binaryCursor(tail);
  // Spelled out: object rest and spread cost about a microsecond a request here.
  const inputs = plan.inputs.map((p): WireInput => (p.size === undefined ? p : { name: p.name, datatype: p.datatype, shape: p.shape, raw: cursor.take(p.name, p.size) }));
  cursor.finish();
  return { inputs, outputs: plan.outputs, id: plan.id, binary: plan.binary };
}

// Plans of binary requests by their header's bytes. A client sending binary tensors sends the same header with
// every request of a shape (tritonclient builds it from the same InferInput objects), and parsing it is most of a
// binary request's own cost: JSON.parse of tritonclient's 220-byte iris header took ~2 µs on Node 20, the lookup
// ~0.4 µs. Only all-binary headers are kept (no request values in the cache), up to MAX_PLANS of at most
// MAX_PLAN_KEY bytes; the map starts over when full.
const plans = new Map<string, RestPlan>();
const MAX_PLANS = 64;
const MAX_PLAN_KEY = 4096;

// The last plan used, by its header's bytes: comparing bytes (~50 ns) skips making the map's string key (~300 ns).
let last: { bytes: Buffer; plan: RestPlan } | undefined;

function binaryPlan(body: Buffer, headerLength: string): { plan: RestPlan; tail: Buffer } {
  const { length, tail } = splitBinaryBody(body, headerLength);
  if (last !== undefined && last.bytes.length === length && body.compare(last.bytes, 0, length, 0, length) === 0) return { plan: last.plan, tail };
  const key = length <= MAX_PLAN_KEY ? body.toString('latin1', 0, length) : undefined;
  let plan = key === undefined ? undefined : plans.get(key);
  if (plan === undefined) {
    plan = planOf(parseJsonBody(body, length));
    if (key === undefined || !plan.inputs.every((input) => input.size !== undefined)) return { plan, tail };
    if (plans.size >= MAX_PLANS) plans.clear();
    plans.set(key, plan);
  }
  last = { bytes: Buffer.from(body.subarray(0, length)), plan };
  return { plan, tail };
}

/** Parses the body; `headerLength` is the Inference-Header-Content-Length header when the client sent one. */
export function parseRestRequest(body: Buffer, headerLength: string | undefined): RestRequest {
  if (headerLength === undefined) return bind(planOf(parseJsonBody(body)), undefined);
  const { plan, tail } = binaryPlan(body, headerLength);
  return bind(plan, tail);
}
