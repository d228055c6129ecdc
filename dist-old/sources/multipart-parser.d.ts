export interface MultipartPart {
    headers: Map<string, string>;
    /** The part's own copy: safe to keep after the parser moves on. */
    body: Buffer;
}
/** The boundary of a `multipart/x-mixed-replace; boundary=...` Content-Type. */
export declare function boundaryOf(contentType: string | undefined): string;
export declare class MultipartParser {
    private readonly delimiter;
    private readonly maxPartBytes;
    private buffer;
    private state;
    private headers;
    private contentLength;
    /** Where the search for the closing delimiter resumes, so long bodies are scanned once. */
    private scanFrom;
    /** Chunks of a body of known length, held aside until it is complete. */
    private pending;
    private pendingBytes;
    constructor(boundary: string, maxPartBytes?: number);
    /** Feeds bytes; returns the parts they completed. Throws ERR_UPSTREAM_FORMAT on broken framing. */
    push(chunk: Buffer): MultipartPart[];
    private readDelimiter;
    private readHeaders;
    private readBody;
}
