import * as z from 'zod';
import { UsageError } from '../../errors.js';
import { formatIssues } from '../../config/validate-config.js';

/** Seconds, as typed on the command line. */
const Seconds = z.coerce.number({ error: 'expected a number of seconds' }).finite().min(0, 'expected 0 or more seconds');

/** Options of stop/start/delete. */
export const LifecycleOptionsSchema = z.object({
  timeout: Seconds.default(300),
  yes: z.boolean().optional(),
  force: z.boolean().optional(),
  deployer: z.string().min(1).optional(),
  orphan: z.boolean().optional(),
});

/** Options of `deploy`. */
export const DeployOptionsSchema = z.object({
  modelUri: z.string().min(1, 'expected a model URI'),
  modelName: z.string().optional(),
  modelVersion: z.string().optional(),
  modelType: z.string().optional(),
  pipelineName: z.string().optional(),
  pipelineRunId: z.string().optional(),
  pipelineStepName: z.string().optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  replace: z.boolean().optional(),
  setting: z.array(z.string()).default([]),
  timeout: Seconds.default(300),
  deployer: z.string().min(1).optional(),
});

/** Options of `find` / `models list`. */
export const FindOptionsSchema = z.object({
  uuid: z.string().optional(),
  pipelineName: z.string().optional(),
  pipelineRunId: z.string().optional(),
  pipelineStepName: z.string().optional(),
  modelName: z.string().optional(),
  modelUri: z.string().optional(),
  modelType: z.string().optional(),
  running: z.boolean().optional(),
  all: z.boolean().optional(),
  deployer: z.string().min(1).optional(),
});

/** Options of `logs`. */
export const LogsOptionsSchema = z.object({
  follow: z.boolean().optional(),
  tail: z.coerce.number({ error: 'expected a number of lines' }).int('expected a whole number of lines').min(0).optional(),
  deployer: z.string().min(1).optional(),
});

/** Parse command options with a schema; problems become one usage error on one line, naming each option. */
export function parseOptions<S extends z.ZodType>(schema: S, opts: unknown): z.output<S> {
  const parsed = schema.safeParse(opts, { reportInput: true });
  if (parsed.success) return parsed.data;
  // Report what was typed ("abc"), not what coercion made of it (NaN, printed as null).
  const issues = parsed.error.issues.map((i) => ({ ...i, input: (opts as Record<string, unknown>)?.[String(i.path[0])] })) as typeof parsed.error.issues;
  const lines = formatIssues('option', issues).map((l) => l.replace(/^option: ([A-Za-z]+)/, (_, key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`));
  throw new UsageError(lines.join('; '));
}
