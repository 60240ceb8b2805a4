/**
 * Authentication and authorization failures. They are GraphQLErrors carrying `extensions.code` (so a resolver can
 * throw them as they are) and an HTTP status (so the media routes answer 401/403 with the same message).
 */
import { GraphQLError } from 'graphql';

export type AuthErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN';

export abstract class AuthError extends GraphQLError {
  abstract readonly code: AuthErrorCode;
  abstract readonly httpStatus: 401 | 403;
}

/** No credential, a malformed one, an unknown or a revoked token. */
export class UnauthenticatedError extends AuthError {
  readonly code = 'UNAUTHENTICATED' as const;
  readonly httpStatus = 401 as const;
  constructor(message = 'authentication required: send "Authorization: Bearer <token>" (or connectionParams.authorization over WebSocket)') {
    super(message, { extensions: { code: 'UNAUTHENTICATED' } });
    this.name = 'UnauthenticatedError';
  }
}

/** A valid token whose role or camera scope does not allow the operation. */
export class ForbiddenError extends AuthError {
  readonly code = 'FORBIDDEN' as const;
  readonly httpStatus = 403 as const;
  constructor(message: string) {
    super(message, { extensions: { code: 'FORBIDDEN' } });
    this.name = 'ForbiddenError';
  }
}
