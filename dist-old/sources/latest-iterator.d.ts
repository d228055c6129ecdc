import type { EventEmitter } from 'node:events';
import type { Frame } from '../types.js';
export declare function iterateLatest(source: EventEmitter): AsyncIterator<Frame>;
