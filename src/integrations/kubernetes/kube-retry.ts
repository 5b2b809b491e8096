/**
 * Waiting out an API server that asks for it, as client-go does (k8s.io/client-go rest/with_retry.go and
 * request.go `checkWait`): a 429 Too Many Requests or 503 Service Unavailable that carries `Retry-After`
 * (whole seconds, the only form client-go reads) is tried again after that many seconds, at most
 * MAX_RETRIES times, never past the deadline of the command that is running (its `--timeout`, set with
 * withDeadline). Without Retry-After, or for any other answer, the first failure stands: kube-apiserver
 * sends Retry-After exactly when it turned a request away before acting on it (max-in-flight and
 * priority-and-fairness rejections, a server still starting), so only those are safe to send again.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** Tries after the first, as client-go's default `maxRetries`. */
export const MAX_RETRIES = 10;
/** A longer Retry-After is cut to this many seconds: a CLI that sleeps minutes between tries looks hung. */
export const MAX_RETRY_AFTER_SECONDS = 10;
/** Seconds of waiting allowed when no command timeout applies (find, describe, logs, `--timeout 0`). */
export const DEFAULT_RETRY_BUDGET_SECONDS = 60;

/** A command's deadline: when (epoch ms), and the timeout it came from (for messages). */
export interface CommandDeadline {
  at: number;
  seconds: number;
}

const deadlines = new AsyncLocalStorage<CommandDeadline>();

/**
 * Run `work` with the command's deadline `timeoutSeconds` from now: every API call it makes retries only
 * until then. `0` (return right after asking) or no timeout leaves the default budget per call.
 */
export function withDeadline<T>(timeoutSeconds: number | undefined, work: () => Promise<T>): Promise<T> {
  if (!timeoutSeconds || !(timeoutSeconds > 0)) return work();
  return deadlines.run({ at: Date.now() + timeoutSeconds * 1000, seconds: timeoutSeconds }, work);
}

/** The deadline of the command running in this async context, if it set one. */
export function currentDeadline(): CommandDeadline | undefined {
  return deadlines.getStore();
}

/**
 * Seconds to wait before trying again after an answer with HTTP `status` and `Retry-After` header
 * `retryAfter`; undefined when it must not be retried. Pure.
 */
export function retryDelaySeconds(status: number, retryAfter: string | undefined): number | undefined {
  if (status !== 429 && status !== 503) return undefined;
  const text = retryAfter?.trim();
  if (!text || !/^\d+$/.test(text)) return undefined;
  return Math.min(Number(text), MAX_RETRY_AFTER_SECONDS);
}

/** Why retrying stopped while the API server still turned requests away. */
export type RetryStop = 'deadline' | 'max-retries';

/** The last throttled answer, after retrying stopped: kube-errors translates it with `cause` and these facts. */
export class RetriesExhausted extends Error {
  constructor(
    readonly cause: unknown,
    /** Tries after the first. */
    readonly retries: number,
    /** What the server asked for last (seconds, capped). */
    readonly retryAfter: number,
    readonly stop: RetryStop,
    /** The command's timeout in seconds (undefined: the default budget ran out). */
    readonly timeoutSeconds?: number,
  ) {
    super(`retrying stopped (${stop}) after ${retries} retries`);
    this.name = 'RetriesExhausted';
  }
}

/** What retryThrottled reads from a thrown value: its HTTP status and Retry-After header. */
export interface ThrottleFacts {
  status: number;
  retryAfter?: string;
}

/** The status and Retry-After of an error as @kubernetes/client-node throws it (`code`, `headers`). */
export function throttleFacts(error: unknown): ThrottleFacts {
  const e = error as { code?: unknown; headers?: unknown } | undefined;
  const status = typeof e?.code === 'number' ? e.code : 0;
  const headers = e?.headers && typeof e.headers === 'object' ? (e.headers as Record<string, unknown>) : {};
  const value = Object.entries(headers).find(([key]) => key.toLowerCase() === 'retry-after')?.[1];
  return { status, retryAfter: typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined };
}

/**
 * Call `fn`, trying again as the API server asks (see the file comment). Throws `fn`'s own error when it
 * is not retryable, RetriesExhausted (wrapping the last one) when retrying had to stop.
 */
export async function retryThrottled<T>(fn: () => Promise<T>): Promise<T> {
  const command = currentDeadline();
  const deadline = command?.at ?? Date.now() + DEFAULT_RETRY_BUDGET_SECONDS * 1000;
  for (let retries = 0; ; retries += 1) {
    try {
      return await fn();
    } catch (error) {
      const { status, retryAfter } = throttleFacts(error);
      const wait = retryDelaySeconds(status, retryAfter);
      if (wait === undefined) throw error;
      if (retries >= MAX_RETRIES) throw new RetriesExhausted(error, retries, wait, 'max-retries');
      if (Date.now() + wait * 1000 > deadline) throw new RetriesExhausted(error, retries, wait, 'deadline', command?.seconds);
      await sleep(wait * 1000);
    }
  }
}
