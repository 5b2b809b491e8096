/** Which model a service config asks the server to load: its server-side name, version and absolute path. */
import { statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import type { ServiceConfig } from '../../services/service-config.js';

/** A model as the server's config and hot-swap endpoint take it. */
export interface ModelSpec {
  name: string;
  version: string;
  /** Absolute path of the .onnx file. */
  uri: string;
}

// The server puts names and versions in URL paths; reject others here, before anything is created.
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The name the server serves the model under: config.modelName, or 'model'. */
export function servedModelName(config: ServiceConfig): string {
  return config.modelName || 'model';
}

/**
 * The version a replaced model is served under: the pinned one (`--model-version`), else the previous
 * served version plus one, so that every swap shows as a new version ('1' after a non-numeric one).
 */
export function nextServedVersion(previous: string, pinned: string): string {
  if (pinned) return pinned;
  return /^\d+$/.test(previous) ? String(Number(previous) + 1) : '1';
}

/**
 * Resolve and check the model of `config` (modelUri relative to `cwd`): it must be an existing
 * .onnx file. UsageError naming the path otherwise.
 */
export function resolveModelSpec(config: ServiceConfig, cwd: string = process.cwd()): ModelSpec {
  const name = servedModelName(config);
  const version = config.modelVersion || '1';
  for (const [key, value] of [['modelName', name], ['modelVersion', version]] as const) {
    if (!SAFE_NAME.test(value)) {
      throw new UsageError(`${key} '${value}' must start with a letter or digit and contain only letters, digits, ".", "_" or "-"`);
    }
  }
  if (!config.modelUri) throw new UsageError('modelUri is required: the path of an .onnx model file');
  return { name, version, uri: checkModelFile(path.resolve(cwd, config.modelUri)) };
}

/** `file` when it is an existing .onnx file; UsageError naming it otherwise. */
export function checkModelFile(file: string): string {
  if (path.extname(file).toLowerCase() !== '.onnx') {
    throw new UsageError(`${file}: the local deployer serves ONNX models; expected a file ending in .onnx`);
  }
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    throw new UsageError(`${file}: model file does not exist`);
  }
  if (!isFile) throw new UsageError(`${file}: not a file`);
  return file;
}
