/**
 * The per-deployment settings of a KServe predictor (`deploy -c key=value`), validated, with the model
 * format and protocol a model type implies filled in.
 */
import * as z from 'zod';
import { formatIssues } from '../../config/validate-config.js';
import { UsageError } from '../../errors.js';
import type { ServiceConfig } from '../../services/service-config.js';

/** KServe's two inference protocols. */
export type KserveProtocol = 'v1' | 'v2';

/** The model format (and protocol, where the runtime speaks only v2) a model type implies. */
export const KSERVE_MODEL_FORMATS: Readonly<Record<string, { format: string; protocol?: KserveProtocol }>> = {
  sklearn: { format: 'sklearn' },
  xgboost: { format: 'xgboost' },
  onnx: { format: 'onnx', protocol: 'v2' },
  tensorflow: { format: 'tensorflow' },
  pytorch: { format: 'pytorch' },
  triton: { format: 'triton', protocol: 'v2' },
  mlflow: { format: 'mlflow', protocol: 'v2' },
  huggingface: { format: 'huggingface' },
};

const Quantity = z.union([z.string().min(1), z.number().nonnegative()]);
const ResourceList = z.record(z.string().min(1), Quantity);
const Replicas = (what: string) =>
  z.number({ error: `expected a whole number of ${what} replicas` }).int(`expected a whole number of ${what} replicas`).min(0, `expected 0 or more ${what} replicas`).max(1000, `expected at most 1000 ${what} replicas`);

/** The `-c` keys the kserve flavor reads from a service config (others are refused with a did-you-mean). */
export const kserveServiceSettingsSchema = z.object({
  modelFormat: z.string().regex(/^[a-z0-9][-a-z0-9._]*$/, `expected a model format such as ${Object.keys(KSERVE_MODEL_FORMATS).join(', ')}`).optional(),
  runtime: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected the name of a ServingRuntime (lowercase letters, digits, - and .)').optional(),
  protocolVersion: z.enum(['v1', 'v2'], { error: 'expected v1 or v2' }).optional(),
  minReplicas: Replicas('minimum').optional(),
  maxReplicas: Replicas('maximum').optional(),
  resources: z.strictObject({ requests: ResourceList.optional(), limits: ResourceList.optional() }, { error: 'expected {"requests": {...}, "limits": {...}}' }).optional(),
  canaryTrafficPercent: z
    .number({ error: 'expected a percentage from 0 to 100' })
    .int('expected a whole percentage')
    .min(0, 'expected a percentage from 0 to 100')
    .max(100, 'expected a percentage from 0 to 100')
    .optional(),
});

/** What a KServe predictor of one service looks like, resolved. */
export interface KserveServiceSettings {
  modelFormat: string;
  runtime?: string;
  protocol: KserveProtocol;
  /** Whether the protocol was asked for or implied by the format (then it is written to the spec). */
  protocolExplicit: boolean;
  minReplicas?: number;
  maxReplicas?: number;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  canaryTrafficPercent?: number;
}

/**
 * Validate a service config's kserve keys and fill in the model format and protocol from the model
 * type. Every problem is one line naming the `-c` key; UsageError (exit 2).
 */
export function resolveKserveServiceSettings(config: ServiceConfig): KserveServiceSettings {
  const parsed = kserveServiceSettingsSchema.safeParse(config, { reportInput: true });
  if (!parsed.success) {
    const lines = formatIssues('-c', parsed.error.issues).map((l) => l.replace(/^-c: /, '-c '));
    throw new UsageError(`invalid kserve service setting:\n${lines.join('\n')}`);
  }
  const s = parsed.data;
  const byType = KSERVE_MODEL_FORMATS[config.modelType.toLowerCase()];
  const modelFormat = s.modelFormat ?? byType?.format;
  if (!modelFormat) {
    throw new UsageError(`no KServe model format for model type '${config.modelType || '(none)'}': set -c modelFormat=<format> or --model-type`, {
      suggestion: `model types with a format: ${Object.keys(KSERVE_MODEL_FORMATS).join(', ')}`,
    });
  }
  if (s.minReplicas !== undefined && s.maxReplicas !== undefined && s.maxReplicas !== 0 && s.maxReplicas < s.minReplicas) {
    throw new UsageError(`-c maxReplicas: ${s.maxReplicas} is below minReplicas ${s.minReplicas}`);
  }
  const implied = KSERVE_MODEL_FORMATS[modelFormat]?.protocol;
  return {
    modelFormat,
    runtime: s.runtime,
    protocol: s.protocolVersion ?? implied ?? 'v1',
    protocolExplicit: Boolean(s.protocolVersion ?? implied),
    minReplicas: s.minReplicas,
    maxReplicas: s.maxReplicas,
    resources: s.resources,
    canaryTrafficPercent: s.canaryTrafficPercent,
  };
}
