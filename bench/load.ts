/** One HTTP load run with autocannon's programmatic API, bounded in time (and killed if it overruns). */
import autocannon from 'autocannon';
import { treeCpuSeconds } from './proc-stats.js';

/** A load target: the URL and the request bodies cycled through by every connection. */
export interface LoadTarget {
  url: string;
  bodies: string[];
  /** The server's pid, to measure the CPU it used (with its children) during the run. */
  pid?: number;
}

/** What one load run measured. */
export interface LoadRun {
  /** Successful (2xx) responses per second. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU the server (with its children) used, in % of one core; undefined without a pid. */
  serverCpuPct?: number;
  /** CPU the load generator (this process) used, in % of one core. */
  clientCpuPct: number;
}

/** Run `connections` connections for `seconds` seconds against `target`. */
export function runLoad(target: LoadTarget, connections: number, seconds: number): Promise<LoadRun> {
  const url = new URL(target.url);
  const serverCpu0 = target.pid ? treeCpuSeconds(target.pid) : 0;
  const clientCpu0 = process.cpuUsage();
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    let settled = false;
    const instance = autocannon(
      {
        url: url.origin,
        connections,
        duration: seconds,
        timeout: 10,
        requests: target.bodies.map((body) => ({
          method: 'POST',
          path: url.pathname,
          headers: { 'content-type': 'application/json' },
          body,
        })),
      },
      (error, result) => {
        clearTimeout(guard);
        if (settled) return;
        settled = true;
        if (error) return reject(error);
        const wallS = (performance.now() - t0) / 1000;
        const client = process.cpuUsage(clientCpu0);
        resolve({
          serverCpuPct: target.pid ? (100 * (treeCpuSeconds(target.pid) - serverCpu0)) / wallS : undefined,
          clientCpuPct: (100 * (client.user + client.system)) / 1e6 / wallS,
          rps: result['2xx'] / result.duration,
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
    // autocannon stops itself after `duration`; this guard only covers a run that hangs.
    const guard = setTimeout(() => {
      instance.stop();
      if (!settled) {
        settled = true;
        reject(new Error(`load run against ${target.url} did not finish within ${seconds + 30}s`));
      }
    }, (seconds + 30) * 1000);
  });
}

/** Send one request at a time until one answers 2xx (a server coming up), bounded by `timeoutMs`; resolves with the ms it took. */
export async function firstSuccess(target: LoadTarget, timeoutMs: number, intervalMs = 20): Promise<number> {
  const start = performance.now();
  const deadline = start + timeoutMs;
  let last = '';
  for (let i = 0; performance.now() < deadline && i < 1_000_000; i++) {
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: target.bodies[0],
        // AbortSignal.timeout takes whole milliseconds only.
        signal: AbortSignal.timeout(Math.max(100, Math.ceil(deadline - performance.now()))),
      });
      const text = await res.text();
      if (res.ok) return performance.now() - start;
      last = `HTTP ${res.status}: ${text.slice(0, 200)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${target.url}: no successful prediction within ${timeoutMs} ms (last: ${last})`);
}
