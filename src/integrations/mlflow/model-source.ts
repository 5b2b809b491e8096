/** Where a deployment's MLflow model comes from: a local directory, or a URI that `mlflow` downloads. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvironmentError, ZenmlError } from '../../errors.js';
import type { MlflowRuntime } from './mlflow-command.js';

// A scheme of two or more letters, so a Windows drive (C:\…) still reads as a path.
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]+):/;
// Resolved through the tracking server rather than fetched from storage directly.
const TRACKING_SCHEMES = new Set(['runs', 'models']);

/** True for URIs that `mlflow artifacts download` must fetch (runs:/, models:/, s3://, …); false for local paths and file: URIs. */
export function isRemoteUri(uri: string): boolean {
  const scheme = SCHEME.exec(uri)?.[1]?.toLowerCase();
  return scheme !== undefined && scheme !== 'file';
}

/** The URI as stored: local paths absolute (file: URIs read as paths), remote URIs unchanged. */
export function normalizeModelUri(uri: string, cwd: string = process.cwd()): string {
  if (!uri || isRemoteUri(uri)) return uri;
  const local = uri.toLowerCase().startsWith('file:') ? fileURLToPath(uri.startsWith('file://') ? uri : `file://${uri.slice(5)}`) : uri;
  return path.resolve(cwd, local);
}

/** EnvironmentError when `uri` needs a tracking server and `env` names none. */
export function checkTrackingUri(uri: string, env: NodeJS.ProcessEnv): void {
  const scheme = SCHEME.exec(uri)?.[1]?.toLowerCase();
  if (!scheme || !TRACKING_SCHEMES.has(scheme) || env.MLFLOW_TRACKING_URI) return;
  throw new EnvironmentError(
    `${uri}: ${scheme}:/ URIs are resolved by an MLflow tracking server, and MLFLOW_TRACKING_URI is not set`,
    { suggestion: 'export MLFLOW_TRACKING_URI=<tracking server URI>, or set it in the deployer\'s env setting' },
  );
}

/**
 * Download `uri` into a new folder `<servicePath>/model-<id>` with `mlflow artifacts download` and
 * resolve with the local model directory mlflow printed. Nothing is left in servicePath on failure.
 */
export async function downloadModel(uri: string, servicePath: string, mlflow: MlflowRuntime, timeoutS: number): Promise<string> {
  checkTrackingUri(uri, mlflow.env);
  const dest = path.join(servicePath, `model-${randomBytes(4).toString('hex')}`);
  try {
    const stdout = await run(mlflow, ['artifacts', 'download', '-u', uri, '-d', dest], timeoutS);
    const printed = stdout.trim().split('\n').pop()?.trim();
    if (!printed) throw new ZenmlError(`mlflow artifacts download printed no path for ${uri}`, { code: 'MODEL_DOWNLOAD' });
    return path.resolve(printed);
  } catch (error) {
    await rm(dest, { recursive: true, force: true });
    throw error;
  }
}

/** The `model-<id>` folder holding `dir` when `dir` is a download inside `servicePath`; undefined otherwise (never the user's model). */
export function ownedDownloadRoot(servicePath: string, dir: string): string | undefined {
  if (!dir) return undefined;
  const relative = path.relative(servicePath, dir);
  const first = relative.split(path.sep)[0];
  if (!relative || path.isAbsolute(relative) || !first.startsWith('model-')) return undefined;
  return path.join(servicePath, first);
}

function run(mlflow: MlflowRuntime, args: string[], timeoutS: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      mlflow.command,
      args,
      { env: mlflow.env, timeout: timeoutS > 0 ? timeoutS * 1000 : 0, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const why = String(stderr).trim().split('\n').slice(-5).join('\n') || error.message;
        reject(new ZenmlError(`mlflow could not download the model (${args.join(' ')}):\n${why}`, { code: 'MODEL_DOWNLOAD', cause: error }));
      },
    );
  });
}
