/**
 * Owner-only folders for service state: records, server configs (which hold the admin token and the
 * bearer token) and logs live under them, so other users on the machine can read none of it.
 */
import { chmod, mkdir } from 'node:fs/promises';

/** Mode of the state dir, `services/` and every service dir. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of files that hold a token (server-config.json) and of service records. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Create each folder (missing parents too) with mode 0700, and tighten it to 0700 when it already
 * exists (state written by an older version, or created by a lock first).
 */
export async function ensurePrivateDirs(...dirs: string[]): Promise<void> {
  for (const dir of dirs) {
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    await chmod(dir, PRIVATE_DIR_MODE);
  }
}
