/**
 * The base class's default update re-deploys a server under its own uuid (performDeployModel), and a flavor builds
 * a new BaseService there: without help it would be born now, and `--replace` would reset `createdAt`. While the
 * update runs, a service built for that uuid without a createdAt of its own inherits the replaced one's.
 * A registry on globalThis (Symbol.for) so that a custom flavor importing its own copy of the package shares it.
 */
const KEY = Symbol.for('zenml.carriedCreatedAt');

function registry(): Map<string, string> {
  const holder = globalThis as unknown as Record<symbol, Map<string, string> | undefined>;
  return (holder[KEY] ??= new Map());
}

/** The createdAt a new service of `uuid` inherits while an update of it runs, if any. */
export function carriedCreatedAt(uuid: string): string | undefined {
  return registry().get(uuid);
}

/** Run `work` (a re-deploy of `uuid`) with services built for `uuid` born with `createdAt`. */
export async function withCarriedCreatedAt<T>(uuid: string, createdAt: string, work: () => Promise<T>): Promise<T> {
  registry().set(uuid, createdAt);
  try {
    return await work();
  } finally {
    registry().delete(uuid);
  }
}
