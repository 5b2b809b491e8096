import { resolveDeployer } from '../../deployers/resolve-deployer.js';
import { readPredictInput } from '../../predict/predict-input.js';
import type { PredictionProtocol } from '../../predict/prediction.js';
import type { CommandContext } from '../context.js';
import { PredictOptionsSchema } from './predict-options.js';
import { parseOptions } from './service-options.js';

/**
 * `predict <uuid>`: the server's answer as JSON on stdout. On a terminal (and without --json) an answer
 * that is a list of records prints as a table; -q prints only the uuid of the server that answered.
 */
export async function predictHandler(ctx: CommandContext, uuid: string, raw: unknown): Promise<void> {
  const opts = parseOptions(PredictOptionsSchema, raw);
  const input = await readPredictInput({ data: opts.data, file: opts.file, cwd: ctx.cwd });
  const { resolved } = await ctx.config();
  const deployer = await resolveDeployer(resolved, { deployer: opts.deployer, log: (m) => ctx.output.deployerLog(m) });
  const prediction = await deployer.predict(uuid, {
    ...input,
    protocol: opts.protocol as PredictionProtocol | undefined,
    model: opts.model,
    timeoutMs: opts.timeout * 1000,
  });
  const { output } = ctx;
  if (output.options.quiet && !output.options.json) return output.line(prediction.uuid);
  const records = output.options.json || !output.stdoutIsTTY ? undefined : recordsOf(prediction.answer);
  if (records) return output.line(recordsTable(ctx, records));
  if (typeof prediction.answer === 'string' && !output.options.json) return output.line(prediction.answer);
  output.json(prediction.answer);
}

type Row = Record<string, unknown>;

/** The list of records in an answer: the answer itself, or its `predictions` (MLflow) or `outputs` (v2); else undefined. */
export function recordsOf(answer: unknown): Row[] | undefined {
  const a = answer as { predictions?: unknown; outputs?: unknown } | null;
  const list = Array.isArray(answer) ? answer : Array.isArray(a?.predictions) ? a.predictions : Array.isArray(a?.outputs) ? a.outputs : undefined;
  if (!list || list.length === 0) return undefined;
  return list.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r)) ? (list as Row[]) : undefined;
}

// Columns in first-seen order; nested values print as compact JSON.
function recordsTable(ctx: CommandContext, records: Row[]): string {
  const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  // Headers are the answer's own keys, unchanged: they are data, not labels.
  return ctx.output.table(columns, records.map((r) => columns.map((c) => cell(r[c]))));
}
