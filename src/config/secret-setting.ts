/**
 * Secret settings (bearer tokens): written in the dotfile either as the value itself or as a
 * reference to an environment variable (`{"env": "MY_TOKEN"}`), so a committed dotfile need hold
 * no secret. References are resolved only when a deployer needs the value; every place that shows
 * settings to a user shows a literal secret masked.
 */
import * as z from 'zod';
import { ConfigError } from '../errors.js';

/** A reference to an environment variable holding the secret. */
export interface EnvRef {
  env: string;
}

/** A secret as written: the value, or `{"env": "NAME"}`. */
export type SecretSetting = string | EnvRef;

/** What a masked literal secret is shown as. */
export const MASKED = '***';

/** zod schema of a secret setting; `description` says what the secret is for. */
export function secretSettingSchema(description: string) {
  return z
    .union(
      [
        z.string().min(1),
        z.strictObject({
          env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'),
        }),
      ],
      { error: 'expected the token as a string, or {"env": "VARIABLE"} to read it from an environment variable' },
    )
    .optional()
    .describe(description);
}

/** Whether `value` is an `{"env": …}` reference. */
export function isEnvRef(value: unknown): value is EnvRef {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as EnvRef).env === 'string';
}

/**
 * The secret's value: a literal as it is, a reference read from `env`. A reference to a variable
 * that is unset or empty is a ConfigError naming the dotfile key (`key`) and the variable.
 */
export function resolveSecret(value: unknown, key: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (typeof value === 'string') return value || undefined;
  if (!isEnvRef(value)) return undefined;
  const resolved = env[value.env];
  if (resolved === undefined || resolved === '') {
    throw new ConfigError(`${key}: environment variable ${value.env} is not set (the setting reads the token from it)`, {
      suggestion: `export ${value.env}=<token>, or change ${key}`,
      details: { key, variable: value.env },
    });
  }
  return resolved;
}

// Setting names whose values are secrets wherever a flavor declares them (built-in or custom).
const SECRET_KEY = /(token|secret|password|passwd|apikey|api_key|credentials?)$/i;
// `secret` alone names a Kubernetes Secret (the seldon and kserve flavors' storage credentials), not its value:
// users need to see which one a deployer uses, and the value never reaches the dotfile.
const SECRET_NAME_KEY = 'secret';

/** Whether a setting of this name holds a secret. */
export function isSecretKey(key: string): boolean {
  return key !== SECRET_NAME_KEY && SECRET_KEY.test(key);
}

/**
 * A copy of component settings fit to print: literal secrets become `***`, env references stay
 * (they name a variable, not its value). Nested objects are masked too.
 */
export function maskSecrets(settings: Record<string, unknown>): Record<string, unknown> {
  const masked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (isSecretKey(key) && value !== undefined && value !== null && !isEnvRef(value)) masked[key] = MASKED;
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) masked[key] = maskSecrets(value as Record<string, unknown>);
    else masked[key] = value;
  }
  return masked;
}

/** Whether anything in `value` (a dotfile, or part of one) is a secret setting written as the secret itself. */
export function hasLiteralSecret(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasLiteralSecret);
  return Object.entries(value).some(([key, v]) =>
    isSecretKey(key) && typeof v === 'string' && v !== '' ? true : hasLiteralSecret(v),
  );
}
