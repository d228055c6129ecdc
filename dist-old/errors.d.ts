export type TurbocamError = Error & {
    code: string;
    path?: string;
};
export declare function codedError(code: string, message: string, extra?: {
    path?: string;
    cause?: unknown;
}): TurbocamError;
export declare function isCodedError(value: unknown): value is TurbocamError;
