/**
 * gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html): the numbers sent in `grpc-status`
 * and the names the metrics label calls by.
 */

/** The status codes this server sends. */
export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** One of {@link Status}'s numbers. */
export type StatusCode = (typeof Status)[keyof typeof Status];

const NAMES = new Map<number, string>(Object.entries(Status).map(([name, code]) => [code, name]));

/** The name of a status code (`NOT_FOUND`), as grpc-js and the metrics spell it. */
export const statusName = (code: number): string => NAMES.get(code) ?? String(code);
