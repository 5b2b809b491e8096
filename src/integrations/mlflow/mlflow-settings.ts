/** The settings of an `mlflow` model deployer, as users write them in the dotfile. */
import * as z from 'zod';
import { localSettingsSchema } from '../local/local-settings.js';

/**
 * zod schema of the `mlflow` flavor's settings. ONNX models run on the `local` flavor's server, so its
 * server settings (state dir, body limit, batching, node) apply to them unchanged. `authToken` is left out:
 * MLflow's scoring server has no authentication, and one deployer should not protect only some models.
 */
export const mlflowSettingsSchema = localSettingsSchema
  .omit({ authToken: true })
  .extend({
    mlflowCommand: z
      .string()
      .min(1)
      .optional()
      .describe('Path of the mlflow executable (relative to the dotfile; default: `mlflow` on PATH)'),
    pythonEnv: z
      .string()
      .min(1)
      .optional()
      .describe('A Python virtualenv whose bin/mlflow serves the models (relative to the dotfile)'),
    workers: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(1)
      .describe('Worker processes per model server (uvicorn workers for MLflow, node workers for ONNX)'),
    env: z
      .record(z.string(), z.string())
      .default({})
      .describe('Extra environment for mlflow, e.g. {"MLFLOW_TRACKING_URI": "http://127.0.0.1:5000"}'),
    startTimeout: z
      .number()
      .positive()
      .default(120)
      .describe('Seconds a new MLflow server may take to answer /ping (the command --timeout still caps it)'),
  })
  .refine((s) => !(s.mlflowCommand && s.pythonEnv), {
    message: 'set mlflowCommand or pythonEnv, not both',
    path: ['pythonEnv'],
  });

/** Parsed `mlflow` settings (defaults filled in). */
export type MlflowSettings = z.output<typeof mlflowSettingsSchema>;

/** zod schema of the `mlflow` flavor's service settings (`deploy -c key=value`): none, as for `local`. */
export const mlflowServiceSettingsSchema = z.object({});
