/**
 * The model server's config file: its zod schema, defaults, and a loader whose errors name file, key and expectation.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as z from 'zod';

// Names and versions appear in URL paths (/v2/models/{name}/versions/{v}) and Prometheus labels, so keep them
// URL-safe rather than escaping them everywhere.
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const nameSchema = z.string().regex(SAFE_NAME, 'expected a name of letters, digits, ".", "_" or "-"');

/** One served model: a name, a version label and the path of its .onnx file. */
export const modelSpecSchema = z.object({
  name: nameSchema,
  version: nameSchema,
  uri: z.string().min(1, 'expected a path to an .onnx file'),
});

/** Adaptive batching settings; see batcher.ts for why it defaults to on. */
export const batchingSchema = z.object({
  enabled: z.boolean().default(true),
  maxBatchSize: z.number().int().min(1).max(4096).default(1024),
  maxWaitMs: z.number().min(0).max(1000).default(2),
});

/** The batching settings a config without any gets (the schema's own defaults). */
export const BATCHING_DEFAULTS = batchingSchema.parse({});

/**
 * The connection limits (docs/local-flavor.md, "Connection limits"). Keep-alive sockets outlive a typical client's pool
 * timeout by a little, so clients never reuse a socket the server is closing at that moment; a client has headersMs to
 * send its header block (a slowloris sending a header line a minute is cut off) and requestMs for the whole request,
 * body included. Tests set short ones to see the cut-off.
 */
export const DEFAULT_TIMEOUTS = { keepAliveMs: 65_000, headersMs: 66_000, requestMs: 120_000 } as const;

/** The `timeouts` key: each in milliseconds. */
export const timeoutsSchema = z
  .object({
    keepAliveMs: z.number().int().min(1).default(DEFAULT_TIMEOUTS.keepAliveMs),
    headersMs: z.number().int().min(1).default(DEFAULT_TIMEOUTS.headersMs),
    requestMs: z.number().int().min(1).default(DEFAULT_TIMEOUTS.requestMs),
  })
  .refine((t) => t.headersMs <= t.requestMs, { message: 'expected headersMs <= requestMs', path: ['headersMs'] });

/** The config file as written; defaults are filled in by parsing. */
export const serverConfigSchema = z.object({
  instanceId: z.string().min(1, 'expected a non-empty identity token'),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(0),
  // The KServe v2 gRPC service: a port (0 picks a free one), or false for none. The gRPC code loads only when on.
  grpcPort: z
    .union([z.number().int().min(0).max(65535), z.literal(false)], { error: 'expected a port number (0 picks a free one) or false' })
    .default(0),
  runtimeFile: z.string().min(1, 'expected the path where the server writes its pid and port'),
  authToken: z.string().min(1).optional(),
  adminToken: z.string().min(1, 'expected a non-empty bearer token for the admin endpoints'),
  maxBodyBytes: z.number().int().min(1).default(10 * 1024 * 1024),
  workers: z.number().int().min(1).max(64).default(1),
  batching: batchingSchema.default(BATCHING_DEFAULTS),
  timeouts: timeoutsSchema.default(DEFAULT_TIMEOUTS),
  models: z
    .array(modelSpecSchema)
    .min(1, 'expected at least one model')
    .superRefine((models, ctx) => {
      const seen = new Set<string>();
      models.forEach((m, i) => {
        if (seen.has(m.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate model name '${m.name}'` });
        seen.add(m.name);
      });
    }),
});

/** The programmatic form: as the file, but an in-process server need not publish a runtime file. */
export const programmaticConfigSchema = serverConfigSchema.extend({ runtimeFile: z.string().min(1).optional() });

/** A served model's spec. */
export type ModelSpec = z.infer<typeof modelSpecSchema>;
/** Batching settings after defaults. */
export type BatchingConfig = z.infer<typeof batchingSchema>;
/** The resolved config: defaults filled in, model paths absolute. */
export type ServerConfig = z.infer<typeof programmaticConfigSchema>;
/** What callers may pass to startModelServer: the config before defaults. */
export type ServerConfigInput = z.input<typeof programmaticConfigSchema>;

/** A config that cannot be used; `message` holds one line per problem. */
export class ServerConfigError extends Error {
  /** Exit code the CLI uses for config problems. */
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'ServerConfigError';
  }
}

/** Formats zod issues as `source: dotted.key: expectation` lines. */
export function formatIssues(source: string, issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const key = issue.path.length > 0 ? issue.path.join('.') : '(root)';
      const message = issue.message.replace(/^Invalid input: /, '');
      return `${source}: ${key}: ${message}`;
    })
    .join('\n');
}

/** Validates a config object, resolving relative model paths against `baseDir`. */
export function parseServerConfig(raw: unknown, source: string, baseDir: string): ServerConfig {
  const result = programmaticConfigSchema.safeParse(raw);
  if (!result.success) throw new ServerConfigError(formatIssues(source, result.error.issues));
  const config = result.data;
  return {
    ...config,
    runtimeFile: config.runtimeFile === undefined ? undefined : resolve(baseDir, config.runtimeFile),
    models: config.models.map((m) => ({ ...m, uri: resolve(baseDir, m.uri) })),
  };
}

/** Keys present in the object that the schema does not know, as dotted paths (they warn, never fail). */
export function unknownKeys(raw: unknown): string[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [];
  const top = Object.keys(serverConfigSchema.shape);
  const found = Object.keys(raw).filter((k) => !top.includes(k));
  const batching = (raw as Record<string, unknown>).batching;
  if (typeof batching === 'object' && batching !== null) {
    const known = Object.keys(batchingSchema.shape);
    found.push(...Object.keys(batching).filter((k) => !known.includes(k)).map((k) => `batching.${k}`));
  }
  return found;
}

/** Reads and validates a config file; relative paths in it resolve against the file's folder. */
export function loadServerConfigFile(path: string, warn: (line: string) => void = () => {}): ServerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ServerConfigError(`${path}: cannot read config file: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ServerConfigError(`${path}: (root): expected JSON: ${(err as Error).message}`);
  }
  for (const key of unknownKeys(raw)) warn(`${path}: ${key}: unknown key ignored`);
  const config = parseServerConfig(raw, path, dirname(resolve(path)));
  if (config.runtimeFile === undefined) {
    throw new ServerConfigError(`${path}: runtimeFile: expected the path where the server writes its pid and port`);
  }
  return config;
}
