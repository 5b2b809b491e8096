/** The settings of a `kserve` model deployer, as users write them in the dotfile. */
import * as z from 'zod';
import { kubernetesSettingsShape } from '../kubernetes/kube-settings.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** KServe's two ways to run a predictor. */
export const KSERVE_DEPLOYMENT_MODES = ['Serverless', 'RawDeployment'] as const;

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
    .enum(KSERVE_DEPLOYMENT_MODES, { error: `expected ${KSERVE_DEPLOYMENT_MODES.join(' or ')}` })
    .optional()
    .describe("Serverless (Knative, scale to zero, canary rollouts) or RawDeployment (plain Deployments); default: the cluster's"),
});

/** Parsed `kserve` settings. */
export type KserveSettings = z.output<typeof kserveSettingsSchema>;
