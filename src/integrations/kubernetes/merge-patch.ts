/**
 * The JSON merge patch (RFC 7386) that turns `current` into `desired`: changed values set, removed
 * keys set to null, arrays and scalars replaced whole. Sending it instead of the full object leaves
 * everything the patch does not mention (status, other controllers' labels) alone.
 */
export function mergePatchFor(current: unknown, desired: unknown): unknown {
  if (!isPlainObject(current) || !isPlainObject(desired)) return desired;
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(current)) if (!(key in desired) || desired[key] === undefined) patch[key] = null;
  for (const [key, value] of Object.entries(desired)) {
    if (value === undefined) continue;
    if (!(key in current)) {
      patch[key] = value;
    } else if (isPlainObject(value) && isPlainObject(current[key])) {
      const sub = mergePatchFor(current[key], value) as Record<string, unknown>;
      if (Object.keys(sub).length > 0) patch[key] = sub;
    } else if (JSON.stringify(current[key]) !== JSON.stringify(value)) {
      patch[key] = value;
    }
  }
  return patch;
}

/** Apply a JSON merge patch (RFC 7386) to a value: what the API server does with it. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
