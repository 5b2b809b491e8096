/** The settings of a `local` model deployer, as users write them in the dotfile. */
import * as z from 'zod';
import { secretSettingSchema } from '../../config/secret-setting.js';
// The server's own defaults, so a deployer without batching settings behaves like a bare server.
import { BATCHING_DEFAULTS, batchingSchema } from '../../server/config.js';

/** zod schema of the `local` flavor's settings; every field has a default and a description for `flavor describe`. */
export const localSettingsSchema = z.object({
  stateDir: z
    .string()
    .min(1)
    .optional()
    .meta({
      description: 'Folder for service records, logs and pid files (relative to the dotfile)',
      // What `flavor describe` shows as the default: the real one depends on the component's name.
      defaultText: '.zenml/deployers/<component name>',
    }),
  host: z.string().min(1).default('127.0.0.1').describe('Interface the model servers listen on'),
  port: z
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(0)
    .describe('Port of the model server; 0 picks a free port on first deploy, and `start` reuses it when still free'),
  grpcPort: z
    .union([z.number().int().min(0).max(65535), z.literal(false)], { error: 'expected a port number (0 picks a free one) or false' })
    .default(0)
    .describe('Port of the KServe v2 gRPC service; 0 picks a free port (kept across restarts while free), false turns gRPC off'),
  authToken: secretSettingSchema(
    'Bearer token clients must send to the prediction endpoints, or {"env": "VARIABLE"} to read it from the environment (default: none)',
  ),
  workers: z.number().int().min(1).max(64).default(1).describe('Server worker processes per model server'),
  maxBodyBytes: z
    .number()
    .int()
    .min(1)
    .default(10 * 1024 * 1024)
    .describe('Largest request body the server accepts, in bytes (default 10 MiB)'),
  batching: batchingSchema
    .default(BATCHING_DEFAULTS)
    .describe('Adaptive request batching: {enabled, maxBatchSize, maxWaitMs}'),
  nodePath: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'Node.js executable that runs the model server', defaultText: 'the node running zenml' }),
});

/** Parsed `local` settings (defaults filled in). */
export type LocalSettings = z.output<typeof localSettingsSchema>;

/**
 * zod schema of the `local` flavor's service settings (`deploy -c key=value`): none. Everything a
 * model server needs comes from the deploy options and the component settings.
 */
export const localServiceSettingsSchema = z.object({});
