import { type ServerView } from './state.js';
export declare function renderMetrics(view: ServerView): string;
