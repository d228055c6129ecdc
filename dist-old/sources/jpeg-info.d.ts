export declare function jpegSize(data: Buffer): {
    width: number;
    height: number;
} | undefined;
