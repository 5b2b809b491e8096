/**
 * Request/reply over the cluster IPC channel, the same in both directions: the primary calls its workers (prepare,
 * commit, snapshot, shutdown) and a worker calls the primary (swap, metrics).
 */

/** A call or a reply on the IPC channel. */
export interface RpcMessage {
  /** Marks our messages apart from Node's own cluster traffic. */
  zenmlRpc: 1;
  /** Call or reply. */
  kind: 'call' | 'reply';
  /** Correlates a reply with its call. */
  id: number;
  /** Method name (calls). */
  method?: string;
  /** Call argument or reply value. */
  payload?: unknown;
  /** Error message when the handler threw (replies). */
  error?: string;
}

/** Handlers for the methods one side offers. */
export type RpcHandlers = Record<string, (payload: unknown) => Promise<unknown>>;

/** One end of the channel. */
export interface RpcChannel {
  /** Calls a method on the other side. */
  call<T>(method: string, payload?: unknown): Promise<T>;
  /** Feeds an incoming IPC message; ignores messages that are not ours. */
  receive(message: unknown): void;
  /** Fails every pending call (the other side went away). */
  failAll(reason: string): void;
}

/** True for messages produced by this module. */
export function isRpcMessage(m: unknown): m is RpcMessage {
  return typeof m === 'object' && m !== null && (m as RpcMessage).zenmlRpc === 1;
}

/** Creates a channel that sends through `send` and serves `handlers`. */
export function createRpcChannel(send: (m: RpcMessage) => void, handlers: RpcHandlers): RpcChannel {
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const safeSend = (m: RpcMessage) => {
    try {
      send(m);
    } catch {
      // The channel closed under us; the exit handler fails the pending calls.
    }
  };
  return {
    call<T>(method: string, payload?: unknown) {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        safeSend({ zenmlRpc: 1, kind: 'call', id, method, payload });
      });
    },
    receive(message) {
      if (!isRpcMessage(message)) return;
      if (message.kind === 'reply') {
        const p = pending.get(message.id);
        pending.delete(message.id);
        if (message.error !== undefined) p?.reject(new Error(message.error));
        else p?.resolve(message.payload);
        return;
      }
      const handler = handlers[message.method ?? ''];
      const reply = (payload: unknown, error?: string) =>
        safeSend({ zenmlRpc: 1, kind: 'reply', id: message.id, payload, ...(error === undefined ? {} : { error }) });
      if (!handler) return reply(undefined, `unknown method ${message.method}`);
      handler(message.payload).then(
        (v) => reply(v),
        (e: unknown) => reply(undefined, (e as Error)?.message ?? String(e)),
      );
    },
    failAll(reason) {
      for (const p of pending.values()) p.reject(new Error(reason));
      pending.clear();
    },
  };
}
