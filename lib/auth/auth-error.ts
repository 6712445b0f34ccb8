/**
 * Why a request was refused: 401 (who are you?) or 403 (known, but not allowed). `reason` is safe to show and
 * to log: it never contains the presented token or secret.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';

  constructor(
    readonly status: 401 | 403,
    readonly reason: string,
  ) {
    super(reason);
  }
}
