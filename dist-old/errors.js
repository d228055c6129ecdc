// Errors raised on the JS side carry the same stable `code` convention as the native ones.
export function codedError(code, message, extra = {}) {
    const error = new Error(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    error.code = code;
    if (extra.path !== undefined)
        error.path = extra.path;
    return error;
}
export function isCodedError(value) {
    return value instanceof Error && typeof value.code === 'string';
}
//# sourceMappingURL=errors.js.map