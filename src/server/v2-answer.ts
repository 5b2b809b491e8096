/**
 * The JSON of a v2 REST inference answer, written straight from the output tensors (json-text.ts): byte for byte
 * what JSON.stringify gives for the answer object, which the property tests check. Outputs the client asked to get
 * as binary carry `parameters.binary_data_size` instead of `data`, and their raw bytes come back in `parts`.
 */
import { v2Datatype, type ElementType } from './dtypes.js';
import { flatText, stringText } from './json-text.js';
import { formatShape } from './tensor-json.js';
import { encodeRaw } from './tensor-raw.js';
import type { WireAnswer } from './v2-infer.js';

/** The answer's JSON text, and the raw bytes of its binary outputs in output order. */
export function v2AnswerText(answer: WireAnswer, id: string, binary: (output: string) => boolean): { json: string; parts: Buffer[] } {
  const parts: Buffer[] = [];
  const outputs = answer.outputs.map(({ name, tensor: t }) => {
    const head = `{"name":${stringText(name)},"shape":${formatShape(t.dims)},"datatype":"${v2Datatype(t.type as ElementType)}"`;
    if (!binary(name)) return `${head},"data":${flatText(t.type, t.data, 0, t.data.length)}}`;
    const bytes = encodeRaw(t.type as ElementType, t.data);
    parts.push(bytes);
    return `${head},"parameters":{"binary_data_size":${bytes.length}}}`;
  });
  const json = `{"model_name":${stringText(answer.modelName)},"model_version":${stringText(answer.modelVersion)},"id":${stringText(id)},"outputs":[${outputs.join(',')}]}`;
  return { json, parts };
}
