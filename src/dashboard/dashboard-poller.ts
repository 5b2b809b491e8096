/**
 * The dashboard's one source of data: every `interval` it does what `find` does for every deployer of the
 * dotfile (findModelServer, then checkResponding), reads the /metrics of running servers through the
 * deployer, and keeps 15 minutes of rates per server for the charts. Listeners get each new snapshot.
 */
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { BaseModelDeployer } from '../deployers/base-model-deployer.js';
import { resolveDeployer } from '../deployers/resolve-deployer.js';
import { serviceView } from '../deployers/service-view.js';
import { mapConcurrent } from '../services/map-concurrent.js';
import { parseMetrics, ratesBetween, type MetricsReading } from './server-metrics.js';
import type { DashboardRow, DashboardSnapshot, HistoryPoint } from './dashboard-types.js';
import { serverRow } from './server-row.js';

export type { DashboardSnapshot, HistoryPoint } from './dashboard-types.js';

/** Options of createPoller. */
export interface PollerOptions {
  /** Loads the dotfile in effect (again on every poll: a deployer registered meanwhile shows up). */
  loadConfig: () => Promise<ResolvedConfig>;
  intervalMs?: number;
  historyMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** A running poller. */
export interface Poller {
  /** The last snapshot (undefined before the first poll finished). */
  latest(): DashboardSnapshot | undefined;
  /** A server's chart points, oldest first. */
  history(key: string): HistoryPoint[];
  /** The deployer component `name`, as the last poll resolved it. */
  deployer(name: string): Promise<BaseModelDeployer>;
  /** Called after every poll; returns the unsubscribe function. */
  subscribe(listener: (snapshot: DashboardSnapshot) => void): () => void;
  /** Poll now instead of at the next tick (after an action), resolving with the new snapshot. */
  refresh(): Promise<DashboardSnapshot>;
  stop(): void;
}

/** Start polling at once, and every `intervalMs` (default 1 s) after each poll ends. */
export function createPoller(options: PollerOptions): Poller {
  const intervalMs = options.intervalMs ?? 1_000;
  const historyMs = options.historyMs ?? 15 * 60_000;
  const deployers = new Map<string, { key: string; deployer: Promise<BaseModelDeployer> }>();
  const readings = new Map<string, MetricsReading>();
  const histories = new Map<string, HistoryPoint[]>();
  const listeners = new Set<(snapshot: DashboardSnapshot) => void>();
  let latest: DashboardSnapshot | undefined;
  let config: ResolvedConfig | undefined;
  let running: Promise<DashboardSnapshot> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  // One instance per component while its entry is unchanged: flavors may cache clients (a kubeconfig).
  const deployerOf = (resolved: ResolvedConfig, name: string): Promise<BaseModelDeployer> => {
    const key = JSON.stringify(resolved.modelDeployers[name] ?? null);
    const cached = deployers.get(name);
    if (cached?.key === key) return cached.deployer;
    const deployer = resolveDeployer(resolved, { deployer: name, env: options.env });
    deployer.catch(() => deployers.delete(name));
    deployers.set(name, { key, deployer });
    return deployer;
  };

  const rowsOf = async (resolved: ResolvedConfig, name: string, at: number): Promise<DashboardRow[]> => {
    const deployer = await deployerOf(resolved, name);
    const services = await deployer.checkResponding(await deployer.findModelServer({}));
    return mapConcurrent(services, 16, async (service) => {
      const view = serviceView(deployer, service);
      const key = `${name}/${service.uuid}`;
      const text = service.isRunning ? await deployer.readModelServerMetrics(service) : undefined;
      const reading = text === undefined ? undefined : parseMetrics(text, at);
      const before = readings.get(key);
      const rates = reading && before ? ratesBetween(before, reading) : null;
      if (reading) readings.set(key, reading);
      else readings.delete(key);
      if (rates) {
        const points = histories.get(key) ?? [];
        points.push({ at, rps: rates.requestsPerSecond, p50: rates.p50Ms, p99: rates.p99Ms });
        while (points.length && points[0].at < at - historyMs) points.shift();
        histories.set(key, points);
      }
      return serverRow(view, { rates, trafficControl: deployer.supportsTrafficControl, lastStateChange: service.status.lastStateChange });
    });
  };

  const poll = async (): Promise<DashboardSnapshot> => {
    const at = Date.now();
    const errors: DashboardSnapshot['errors'] = [];
    let rows: DashboardRow[] = [];
    try {
      config = await options.loadConfig();
      const resolved = config;
      const names = Object.keys(resolved.modelDeployers);
      const perDeployer = await Promise.all(
        names.map((name) =>
          rowsOf(resolved, name, at).catch((error: unknown) => {
            errors.push({ deployer: name, message: (error as Error).message });
            // An unreachable deployer keeps its last rows rather than flickering out of the page.
            return latest?.rows.filter((r) => r.deployer === name) ?? [];
          }),
        ),
      );
      rows = perDeployer.flat();
    } catch (error) {
      errors.push({ deployer: '', message: (error as Error).message });
      rows = latest?.rows ?? [];
    }
    const keys = new Set(rows.map((r) => r.key));
    for (const key of [...histories.keys()]) if (!keys.has(key)) histories.delete(key);
    for (const key of [...readings.keys()]) if (!keys.has(key)) readings.delete(key);
    latest = { at, rows, errors };
    for (const listener of listeners) listener(latest);
    return latest;
  };

  const schedule = () => {
    if (!stopped) timer = setTimeout(tick, intervalMs);
  };
  const tick = () => {
    running = poll().finally(() => {
      running = undefined;
      schedule();
    });
  };
  tick();

  return {
    latest: () => latest,
    history: (key) => histories.get(key) ?? [],
    async deployer(name) {
      config ??= await options.loadConfig();
      return deployerOf(config, name);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async refresh() {
      if (running) await running;
      clearTimeout(timer);
      running = poll().finally(() => {
        running = undefined;
        schedule();
      });
      return running;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
