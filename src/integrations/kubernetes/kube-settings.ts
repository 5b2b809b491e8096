/** The settings every Kubernetes flavor shares: which cluster, identity and namespace to use. */
import * as z from 'zod';

/** zod shape of the cluster-access settings; flavors extend it with their own keys. */
export const kubernetesSettingsShape = {
  kubeconfig: z
    .string()
    .min(1)
    .optional()
    .describe('Path of the kubeconfig file (relative to the dotfile; default: KUBECONFIG, else ~/.kube/config, else in-cluster)'),
  kubernetesContext: z
    .string()
    .min(1)
    .optional()
    .describe("Context of the kubeconfig to use (default: the kubeconfig's current context)"),
  kubernetesNamespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a Kubernetes namespace name (lowercase letters, digits and -)')
    .max(63)
    .optional()
    .describe("Namespace the model servers live in (default: the context's namespace, else `default`)"),
};

/** zod schema of the cluster-access settings alone. */
export const kubernetesSettingsSchema = z.object(kubernetesSettingsShape);

/** Parsed cluster-access settings. */
export type KubernetesSettings = z.output<typeof kubernetesSettingsSchema>;
