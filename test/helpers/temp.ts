// Temp project directories for the CLI and config tests: each test gets its own folder under
// os.tmpdir(), removed afterwards, so nothing leaks between tests or into the developer's home.
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A new empty directory under os.tmpdir() (real path, so it compares equal to process.cwd() in children). */
export function makeTempDir(prefix = 'zenml-test-'): string {
  return realpathSync(mkdtempSync(path.join(tmpdir(), prefix)));
}

/** Remove a directory made by makeTempDir (missing is fine). */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** A temp project: `root` doubles as HOME; `xdg` is its XDG_CONFIG_HOME (created, empty). */
export interface TempProject {
  root: string;
  xdg: string;
}

/** Make a temp project folder with an empty XDG config dir inside it. */
export function makeTempProject(prefix = 'zenml-project-'): TempProject {
  const root = makeTempDir(prefix);
  const xdg = path.join(root, 'xdg');
  mkdirSync(xdg, { recursive: true });
  return { root, xdg };
}

/**
 * Tracks the temp dirs a test file makes so afterEach can remove them all, even when the test
 * failed half-way.
 */
export class TempDirs {
  private readonly dirs: string[] = [];

  /** A new temp dir, removed by cleanup(). */
  dir(prefix?: string): string {
    const dir = makeTempDir(prefix);
    this.dirs.push(dir);
    return dir;
  }

  /** A new temp project, removed by cleanup(). */
  project(prefix?: string): TempProject {
    const project = makeTempProject(prefix);
    this.dirs.push(project.root);
    return project;
  }

  /** The dirs made so far (e.g. to kill the servers a test started in them before cleanup). */
  list(): string[] {
    return [...this.dirs];
  }

  /** Remove every dir made so far. */
  cleanup(): void {
    for (const dir of this.dirs.splice(0)) removeTempDir(dir);
  }
}
