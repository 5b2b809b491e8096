/** The settings of a `seldon` model deployer, as users write them in the dotfile. */
import * as z from 'zod';
import { kubernetesSettingsShape } from '../kubernetes/kube-settings.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * zod schema of the `seldon` flavor's settings: which cluster, context and namespace, and how the
 * deployments are reached and get their credentials. Secret values never go in the dotfile: `secret`
 * names an existing Kubernetes Secret.
 */
export const seldonSettingsSchema = z.object({
  ...kubernetesSettingsShape,
  baseUrl: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL, e.g. http://ingress.example.com' })
    .describe('URL of the ingress (Istio or Ambassador gateway) that exposes Seldon deployments; prediction URLs start with it'),
  secret: z
    .string()
    .regex(DNS_SUBDOMAIN, 'expected the name of a Kubernetes Secret (lowercase letters, digits, - and .)')
    .max(253)
    .optional()
    .describe('Name of an existing Secret in the namespace with model-storage credentials (envSecretRefName of every deployment)'),
  serviceAccountName: z
    .string()
    .regex(DNS_SUBDOMAIN, 'expected the name of a Kubernetes ServiceAccount')
    .max(253)
    .optional()
    .describe('ServiceAccount the model servers (and their model download) run as'),
});

/** Parsed `seldon` settings. */
export type SeldonSettings = z.output<typeof seldonSettingsSchema>;
