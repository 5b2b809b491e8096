/** Exit codes documented in the README; one central handler maps errors onto them. */
export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  TIMEOUT: 4,
} as const;

/** Options shared by every ZenML error. */
export interface ZenmlErrorOptions {
  code?: string;
  exitCode?: number;
  suggestion?: string;
  cause?: unknown;
  details?: Record<string, unknown>;
}

/** Base class of every error the CLI reports: a stable `code`, an exit code and an optional hint. */
export class ZenmlError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly suggestion?: string;
  readonly details?: Record<string, unknown>;

  constructor(message: string, options: ZenmlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'ERROR';
    this.exitCode = options.exitCode ?? ExitCode.FAILURE;
    this.suggestion = options.suggestion;
    this.details = options.details;
  }

  /** The shape printed under `{"error": …}` with --json. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      exitCode: this.exitCode,
      ...(this.suggestion ? { suggestion: this.suggestion } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** Bad arguments or options on the command line. */
export class UsageError extends ZenmlError {
  constructor(message: string, options: ZenmlErrorOptions = {}) {
    super(message, { code: 'USAGE', exitCode: ExitCode.USAGE, ...options });
  }
}

/** A dotfile that cannot be read, parsed or validated, or cannot be written. */
export class ConfigError extends ZenmlError {
  constructor(message: string, options: ZenmlErrorOptions = {}) {
    super(message, { code: 'CONFIG', exitCode: ExitCode.USAGE, ...options });
  }
}

/** A component, stack, flavor or service that does not exist. */
export class NotFoundError extends ZenmlError {
  constructor(message: string, options: ZenmlErrorOptions = {}) {
    super(message, { code: 'NOT_FOUND', exitCode: ExitCode.NOT_FOUND, ...options });
  }
}

/** Something did not reach the state it was waited for in time. */
export class TimeoutError extends ZenmlError {
  constructor(message: string, options: ZenmlErrorOptions = {}) {
    super(message, { code: 'TIMEOUT', exitCode: ExitCode.TIMEOUT, ...options });
  }
}

/** A custom flavor's source file that cannot be loaded (missing, syntax error). */
export class FlavorLoadError extends ZenmlError {
  constructor(message: string, options: ZenmlErrorOptions = {}) {
    super(message, { code: 'FLAVOR_LOAD', exitCode: ExitCode.USAGE, ...options });
  }
}

/** A custom flavor that loads but breaks the BaseModelDeployer contract. */
export class FlavorContractError extends ZenmlError {
  constructor(message: string, options: ZenmlErrorOptions = {}) {
    super(message, { code: 'FLAVOR_CONTRACT', exitCode: ExitCode.USAGE, ...options });
  }
}

/** A model server that failed to start, crashed, or answered with an error. */
export class ServerError extends ZenmlError {
  constructor(message: string, options: ZenmlErrorOptions = {}) {
    super(message, { code: 'SERVER', exitCode: ExitCode.FAILURE, ...options });
  }
}

/** A required external program (e.g. `mlflow`) or environment that is missing. */
export class EnvironmentError extends ZenmlError {
  constructor(message: string, options: ZenmlErrorOptions = {}) {
    super(message, { code: 'ENVIRONMENT', exitCode: ExitCode.USAGE, ...options });
  }
}
