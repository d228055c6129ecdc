// Errors raised on the JS side carry the same stable `code` convention as the native ones.

export type TurbocamError = Error & { code: string; path?: string };

export function codedError(code: string, message: string, extra: { path?: string; cause?: unknown } = {}): TurbocamError {
  const error = new Error(message, extra.cause === undefined ? undefined : { cause: extra.cause }) as TurbocamError;
  error.code = code;
  if (extra.path !== undefined) error.path = extra.path;
  return error;
}

export function isCodedError(value: unknown): value is TurbocamError {
  return value instanceof Error && typeof (value as { code?: unknown }).code === 'string';
}
