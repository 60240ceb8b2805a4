/**
 * Every error a client sees is a GraphQLError with `extensions.code` and a human message; domain errors map to the
 * codes below, anything unexpected becomes INTERNAL_SERVER_ERROR with a generic message (the cause is logged, never
 * sent: no stack traces to clients).
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { CameraError } from '../cameras/camera-config.js';
import { EngineError } from '../engine/types.js';
import { GalleryError } from '../gallery/gallery.js';
import { StoreError } from '../store/store-db.js';

export type ApiErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

export function apiError(code: ApiErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

/** Engine codes that mean "your image is the problem". */
const IMAGE_CODES = new Set(['NOT_AN_IMAGE', 'UNSUPPORTED_FORMAT', 'CORRUPT_IMAGE', 'EMPTY_FILE', 'TOO_LARGE', 'BAD_DET_SIZE']);

/** The API form of a domain error, or undefined for an unexpected one. */
export function domainError(err: unknown): GraphQLError | undefined {
  if (err instanceof GraphQLError && err.extensions?.code) return err;
  const e = err as { code?: string; name?: string; message?: string };
  if (err instanceof GalleryError) {
    const code: ApiErrorCode =
      e.code === 'NOT_FOUND' ? 'NOT_FOUND' : e.code === 'CONFLICT' ? 'CONFLICT' : e.code === 'BAD_INPUT' ? 'BAD_USER_INPUT' : 'UNAVAILABLE';
    return apiError(code, err.message);
  }
  if (err instanceof CameraError) return apiError(err.code, err.message);
  if (err instanceof StoreError) {
    const code: ApiErrorCode = err.code === 'BAD_INPUT' ? 'BAD_USER_INPUT' : err.code === 'NOT_FOUND' || err.code === 'CONFLICT' ? err.code : 'UNAVAILABLE';
    return apiError(code, err.message);
  }
  if (err instanceof EngineError) return apiError(IMAGE_CODES.has(err.code) ? 'BAD_USER_INPUT' : 'UNAVAILABLE', err.message, { reason: err.code });
  if (e?.code === 'UNAUTHENTICATED' || e?.code === 'FORBIDDEN' || e?.code === 'BAD_USER_INPUT' || e?.code === 'RATE_LIMITED' || e?.code === 'NOT_FOUND') {
    return apiError(e.code, e.message ?? e.code);
  }
  return undefined;
}

/** Apollo's formatError: keeps coded errors, hides everything else. */
export function formatApiError(formatted: GraphQLFormattedError, err: unknown, log: (line: string) => void): GraphQLFormattedError {
  const original = err instanceof GraphQLError ? (err.originalError ?? err) : err;
  const mapped = domainError(original);
  const code = mapped?.extensions.code ?? formatted.extensions?.code;
  if (mapped) return { message: mapped.message, locations: formatted.locations, path: formatted.path, extensions: { ...mapped.extensions } };
  // Parse and validation errors come from graphql-js with Apollo's codes: safe to show.
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
  log(`api: unexpected error${formatted.path ? ` in ${formatted.path.join('.')}` : ''}: ${(original as Error)?.stack ?? String(original)}`);
  return { message: 'internal error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
