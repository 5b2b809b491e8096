/**
 * The model server daemon: `node dist/server/main.js --config <server-config.json>`.
 * Exit codes: 0 after a graceful stop, 2 for a bad config or usage, 1 when it cannot start (a model fails to load,
 * the port is taken), 128+signal when a second stop signal cuts the drain short.
 */
import { parseArgs } from 'node:util';
import { constants } from 'node:os';
import { loadServerConfigFile, ServerConfigError } from './config.js';
import { startModelServer, type RunningServer } from './index.js';
import { stderrLogger, stdoutLogger } from './logger.js';

/** Test-only hook: 1 makes the server ignore SIGTERM (tests of `stop --yes`; passed on through ZENML_TEST_DAEMON_ENV). */
const TEST_IGNORE_SIGTERM = 'ZENML_TEST_SERVER_IGNORE_SIGTERM';

const USAGE = 'usage: node dist/server/main.js --config <server-config.json>';

/** Usage and config errors: one bare line for the person who ran the server by hand. */
function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let configPath: string | undefined;
  try {
    configPath = parseArgs({ options: { config: { type: 'string' } }, strict: true }).values.config;
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`, 2);
  }
  if (configPath === undefined) fail(USAGE, 2);

  const log = stdoutLogger();
  let config;
  try {
    config = loadServerConfigFile(configPath, (line) => stderrLogger()(`warning: ${line}`));
  } catch (err) {
    if (err instanceof ServerConfigError) fail(err.message, err.exitCode);
    throw err;
  }

  let running: RunningServer | undefined;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (running === undefined) {
      log(`shutting down (${signal}) before the server started`);
      process.exit(0);
    }
    if (signals > 1) {
      log(`${signal} again: exiting without draining`);
      running.kill();
      process.exit(128 + (constants.signals[signal] ?? 15));
    }
    // close() stops the listener synchronously (single process), so once this line is out no new connection is taken.
    const closing = running.close();
    log(`shutting down (${signal}): finishing in-flight requests`);
    closing.then(
      () => {
        log('stopped');
        process.exit(0);
      },
      (err: Error) => fail(`error while stopping: ${err.message}`, 1),
    );
  };
  process.on('SIGINT', onSignal);
  if (process.env[TEST_IGNORE_SIGTERM] === '1') {
    // Test-only: a server that ignores SIGTERM, so tests can prove `stop --yes` kills what will not stop.
    process.on('SIGTERM', () => log(`ignoring SIGTERM (${TEST_IGNORE_SIGTERM}=1, a test hook)`));
  } else {
    process.on('SIGTERM', onSignal);
  }

  try {
    running = await startModelServer(config, { log });
  } catch (err) {
    // Written with the log prefix: this is the line a failed deploy quotes from the server log.
    stderrLogger()(`cannot start the model server: ${(err as Error).message}`);
    process.exit(1);
  }
}

await main();
