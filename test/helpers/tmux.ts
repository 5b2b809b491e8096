// A real terminal for tests: a tmux server of its own (its own socket, so it never touches a
// developer's tmux), one window running `command`, keys sent as a user types them, and the screen
// read back with capture-pane. Waits are bounded and fail naming what was awaited and the screen.
import { execFileSync } from 'node:child_process';

let counter = 0;

/** One tmux server with one session; kill() ends both (call it in afterEach/afterAll). */
export class TmuxTerminal {
  readonly socket = `zenml-test-${process.pid}-${++counter}`;
  private started = false;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly cwd: string,
  ) {}

  private tmux(args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { env: this.env, cwd: this.cwd, encoding: 'utf8', timeout: 10_000 });
  }

  /**
   * Start `command` (a shell command line) in a `width`×`height` terminal. A command whose last
   * screen matters should keep the pane open (e.g. end in `; exec sleep 600`): tmux's remain-on-exit
   * was seen to lose the top line of a dead pane's screen.
   */
  start(command: string, width = 160, height = 40): void {
    this.tmux(['-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(width), '-y', String(height), command]);
    this.started = true;
  }

  /** Type text (literally) into the terminal. */
  type(text: string): void {
    this.tmux(['send-keys', '-t', 'main', '-l', text]);
  }

  /** Press keys by tmux name (Enter, Tab, C-u, …). */
  press(...keys: string[]): void {
    this.tmux(['send-keys', '-t', 'main', ...keys]);
  }

  /** The visible screen as text. */
  screen(): string {
    return this.tmux(['capture-pane', '-p', '-t', 'main']);
  }

  /** Poll the screen until `test` holds; fails after `timeoutMs` with `what` and the last screen. */
  async waitFor(what: string, test: (screen: string) => boolean, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = this.screen();
      if (test(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the screen was:\n${last}`);
  }

  /** End the tmux server (and everything running in it). */
  kill(): void {
    if (!this.started) return;
    this.started = false;
    try {
      this.tmux(['kill-server']);
    } catch {
      // already gone
    }
  }
}
