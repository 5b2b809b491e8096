import { spawn } from 'node:child_process';
import * as z from 'zod';
import { UsageError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { parseOptions } from './service-options.js';

/** Options of `model-deployer dashboard`. */
export const DashboardOptionsSchema = z.object({
  port: z.coerce.number({ error: 'expected a port number' }).int('expected a whole port number').min(0).max(65535, 'expected a port from 0 to 65535').default(0),
  host: z.string().min(1, 'expected a host name or address').default('127.0.0.1'),
  allowRemote: z.boolean().optional(),
  open: z.boolean().default(true),
});

/**
 * `dashboard`: serve the page until Ctrl-C. Prints the URL (only the URL with -q; `{"url": …}` with --json) and
 * opens a browser when stdout is a terminal and one can be opened.
 */
export async function dashboardHandler(ctx: CommandContext, raw: unknown): Promise<void> {
  const opts = parseOptions(DashboardOptionsSchema, raw);
  // Imported here: the command's own modules stay out of every other command's start.
  const [{ isLoopback }, { createPoller }, { startDashboardServer }, { loadStaticFiles }, { loadConfig }] = await Promise.all([
    import('../../dashboard/dashboard-security.js'),
    import('../../dashboard/dashboard-poller.js'),
    import('../../dashboard/dashboard-server.js'),
    import('../../dashboard/static-files.js'),
    import('../../config/config-store.js'),
  ]);
  if (!isLoopback(opts.host) && !opts.allowRemote) {
    throw new UsageError(
      `--host ${opts.host} would let other machines reach the dashboard, and through it stop, delete and query your model servers; ` +
        'anyone who sees the URL (its token) can do so, over plain HTTP',
      { suggestion: 'add --allow-remote if that is what you want, or keep the default --host 127.0.0.1 and use an SSH tunnel' },
    );
  }
  if (!isLoopback(opts.host)) ctx.output.warn(`serving on ${opts.host} over plain HTTP: the token in the URL is the only guard`);
  await ctx.config(); // a broken dotfile fails here, before anything listens; warnings print once
  const files = await loadStaticFiles();
  const poller = createPoller({ loadConfig: async () => (await loadConfig({ cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env })).resolved, env: ctx.env });
  let server;
  try {
    server = await startDashboardServer({ host: opts.host, port: opts.port, poller, files, cwd: ctx.cwd });
  } catch (error) {
    poller.stop();
    throw new UsageError(`cannot listen on ${opts.host}:${opts.port}: ${(error as Error).message}`, { cause: error });
  }
  ctx.output.listing({ url: server.url }, [server.url], () => server.url);
  ctx.output.info('Ctrl-C stops the dashboard');
  if (opts.open && ctx.output.stdoutIsTTY && !ctx.output.options.json && !ctx.output.options.quiet) openBrowser(server.url, ctx.env);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  poller.stop();
  await server.close();
}

/** Best effort: the platform's opener, detached; nothing happens where there is none (a server without a desktop). */
function openBrowser(url: string, env: NodeJS.ProcessEnv): void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer.exe' : env.DISPLAY || env.WAYLAND_DISPLAY ? 'xdg-open' : undefined;
  if (!opener) return;
  const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}
