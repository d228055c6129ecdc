/** A JPEG of `width`x`height` saying NO SIGNAL. */
export declare function renderNoSignal(width: number, height: number, text?: string): Buffer;
