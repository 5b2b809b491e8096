/** Seconds one API request may take before the server counts as not answering (ZENML_KUBERNETES_REQUEST_TIMEOUT overrides). */
export const DEFAULT_REQUEST_TIMEOUT = 30;

/**
 * The per-request timeout in ms: a server that accepts connections and never answers must not hang the CLI. A value
 * that is not a positive number has already failed the command (src/cli/env-vars.ts); here it falls back to the default.
 */
export function requestTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.ZENML_KUBERNETES_REQUEST_TIMEOUT);
  return (env.ZENML_KUBERNETES_REQUEST_TIMEOUT?.trim() && Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_REQUEST_TIMEOUT) * 1000;
}
