/**
 * The per-deployment settings of a Seldon model server (`deploy -c key=value`), validated, with the
 * implementation and protocol a model type implies filled in.
 */
import * as z from 'zod';
import { formatIssues } from '../../config/validate-config.js';
import { UsageError } from '../../errors.js';
import type { ServiceConfig } from '../../services/service-config.js';

/** Seldon Core's pre-packaged model servers. */
export const SELDON_IMPLEMENTATIONS = [
  'SKLEARN_SERVER',
  'XGBOOST_SERVER',
  'TENSORFLOW_SERVER',
  'MLFLOW_SERVER',
  'TRITON_SERVER',
  'HUGGINGFACE_SERVER',
] as const;

/** The implementation (and protocol) a model type implies; types not listed need `-c implementation=`. */
export const MODEL_TYPE_DEFAULTS: Readonly<Record<string, { implementation: string; protocol?: SeldonProtocol }>> = {
  sklearn: { implementation: 'SKLEARN_SERVER' },
  xgboost: { implementation: 'XGBOOST_SERVER' },
  tensorflow: { implementation: 'TENSORFLOW_SERVER' },
  mlflow: { implementation: 'MLFLOW_SERVER' },
  onnx: { implementation: 'TRITON_SERVER', protocol: 'v2' },
  triton: { implementation: 'TRITON_SERVER', protocol: 'v2' },
  huggingface: { implementation: 'HUGGINGFACE_SERVER' },
};

/** Seldon's two inference protocols. */
export type SeldonProtocol = 'seldon' | 'v2';

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const Quantity = z.union([z.string().min(1), z.number().nonnegative()]);
const ResourceList = z.record(z.string().min(1), Quantity);

/** The `-c` keys the seldon flavor reads from a service config (others are kept, unused). */
export const seldonServiceSettingsSchema = z.object({
  implementation: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/, `expected an implementation such as ${SELDON_IMPLEMENTATIONS.join(', ')}`)
    .optional(),
  image: z.string().min(1, 'expected a container image').optional(),
  replicas: z.number({ error: 'expected a whole number of replicas' }).int('expected a whole number of replicas').min(1, 'expected at least 1 replica (stop scales to 0)').max(1000, 'expected at most 1000 replicas').default(1),
  resources: z.strictObject({ requests: ResourceList.optional(), limits: ResourceList.optional() }, { error: 'expected {"requests": {...}, "limits": {...}}' }).optional(),
  protocol: z.enum(['seldon', 'v2'], { error: 'expected seldon or v2' }).optional(),
  parameters: z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()]), { error: 'expected a JSON object of name: value' }).default({}),
  extraArgs: z.array(z.string(), { error: 'expected a JSON array of strings' }).default([]),
  podLabels: z
    .record(z.string().regex(LABEL_KEY, 'expected a label key such as team or example.com/team'), z.string().regex(LABEL_VALUE, 'expected a label value (at most 63 letters, digits, -, _ and .)'), { error: 'expected a JSON object of label: value' })
    .default({})
    .describe("labels on the predictor's pods (Seldon copies the predictor's labels onto its Deployment and pods)"),
});

/** A Seldon graph parameter as the SeldonDeployment spec writes it. */
export interface SeldonParameter {
  name: string;
  value: string;
  type: 'STRING' | 'INT' | 'FLOAT' | 'BOOL';
}

/** What a Seldon deployment of one service looks like, resolved. */
export interface SeldonServiceSettings {
  /** A pre-packaged (or cluster-registered) server; undefined for a custom image. */
  implementation?: string;
  /** A custom model server image (the `classifier` container). */
  image?: string;
  protocol: SeldonProtocol;
  replicas: number;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  parameters: SeldonParameter[];
  extraArgs: string[];
  podLabels: Record<string, string>;
}

function toParameter(name: string, value: string | number | boolean): SeldonParameter {
  if (typeof value === 'boolean') return { name, value: String(value), type: 'BOOL' };
  if (typeof value === 'number') return { name, value: String(value), type: Number.isInteger(value) ? 'INT' : 'FLOAT' };
  return { name, value, type: 'STRING' };
}

/**
 * Validate a service config's seldon keys and fill in the implementation and protocol from the model
 * type. Every problem is one line naming the `-c` key; UsageError (exit 2).
 */
export function resolveSeldonServiceSettings(config: ServiceConfig): SeldonServiceSettings {
  const parsed = seldonServiceSettingsSchema.safeParse(config, { reportInput: true });
  if (!parsed.success) {
    const lines = formatIssues('-c', parsed.error.issues).map((l) => l.replace(/^-c: /, '-c '));
    throw new UsageError(`invalid seldon service setting:\n${lines.join('\n')}`);
  }
  const s = parsed.data;
  const byType = MODEL_TYPE_DEFAULTS[config.modelType.toLowerCase()];
  const requested = s.implementation ?? (s.image ? undefined : byType?.implementation);
  if (!requested && !s.image) {
    throw new UsageError(
      `no Seldon implementation for model type '${config.modelType || '(none)'}': set -c implementation=<${SELDON_IMPLEMENTATIONS.join('|')}> or -c image=<your model server image>`,
      { suggestion: `model types with a default: ${Object.keys(MODEL_TYPE_DEFAULTS).join(', ')} (--model-type)` },
    );
  }
  const known = (SELDON_IMPLEMENTATIONS as readonly string[]).includes(requested ?? '');
  if (requested && !known && !s.image) {
    throw new UsageError(`-c implementation: '${requested}' is not one of Seldon's servers (${SELDON_IMPLEMENTATIONS.join(', ')}); a custom server needs -c image=<image>`);
  }
  // With an image, a pre-packaged implementation keeps its name (Seldon runs the image in its place);
  // any other name only labelled the custom server and is not sent.
  const implementation = known ? requested : undefined;
  if (implementation === 'TRITON_SERVER' && s.protocol === 'seldon') {
    throw new UsageError('-c protocol: TRITON_SERVER speaks only the v2 protocol (got "seldon")');
  }
  const protocol: SeldonProtocol = s.protocol ?? (implementation === 'TRITON_SERVER' ? 'v2' : byType?.protocol && !s.implementation && !s.image ? byType.protocol : 'seldon');
  return {
    implementation,
    image: s.image,
    protocol,
    replicas: s.replicas,
    resources: s.resources,
    parameters: Object.entries(s.parameters).map(([name, value]) => toParameter(name, value)),
    extraArgs: s.extraArgs,
    podLabels: s.podLabels,
  };
}
