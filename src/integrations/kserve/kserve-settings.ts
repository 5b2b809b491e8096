/** The settings of a `kserve` model deployer, as users write them in the dotfile. */
import * as z from 'zod';
import { kubernetesSettingsShape } from '../kubernetes/kube-settings.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** KServe's two ways to run a predictor, by their 0.20 names, then the old names KServe still reads as them. */
export const KSERVE_DEPLOYMENT_MODES = ['Standard', 'Knative', 'RawDeployment', 'Serverless'] as const;

/** A deployment mode under KServe 0.20's name (RawDeployment is Standard, Serverless is Knative: constants.go, v0.20.0). */
export function currentModeName(mode: (typeof KSERVE_DEPLOYMENT_MODES)[number]): 'Standard' | 'Knative' {
  return mode === 'Standard' || mode === 'RawDeployment' ? 'Standard' : 'Knative';
}

/**
 * zod schema of the `kserve` flavor's settings: the cluster settings every Kubernetes flavor has, how
 * the services are reached (status.url directly, or an ingress at `baseUrl` chosen by Host header),
 * the storage credentials and the deployment mode. Secret values never go in the dotfile.
 */
export const kserveSettingsSchema = z.object({
  ...kubernetesSettingsShape,
  baseUrl: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL, e.g. http://ingress.example.com' })
    .optional()
    .describe("URL of the ingress gateway (e.g. Istio's) that routes by Host header; without it, predictions go to each service's status.url"),
  secret: z
    .string()
    .regex(DNS_SUBDOMAIN, 'expected the name of a Kubernetes Secret (lowercase letters, digits, - and .)')
    .max(253)
    .optional()
    .describe('Name of an existing Secret in the namespace with model-storage credentials (envFrom of the model container)'),
  serviceAccountName: z
    .string()
    .regex(DNS_SUBDOMAIN, 'expected the name of a Kubernetes ServiceAccount')
    .max(253)
    .optional()
    .describe("ServiceAccount the predictors run as (KServe's storage initializer reads the credentials attached to it)"),
  deploymentMode: z
    .enum(KSERVE_DEPLOYMENT_MODES, { error: 'expected Standard or Knative (or the old names RawDeployment, Serverless)' })
    .optional()
    .describe("Standard (plain Deployments; old name RawDeployment) or Knative (revisions, scale to zero; old name Serverless); default: the cluster's"),
});

/** Parsed `kserve` settings. */
export type KserveSettings = z.output<typeof kserveSettingsSchema>;
