// Serves a directory's files (µStreamer's --static DIR): `/` is DIR/index.html. Only regular files
// inside DIR, resolved through symlinks, so neither `..`, an encoded slash nor a link can reach
// anything outside it; dotfiles stay private.
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { stat, realpath } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { TurbocamError } from '../errors.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** The directory's real path; throws ERR_INVALID_ARG when it is not a readable directory. */
export function staticRoot(dir: string): string {
  let root: string;
  try {
    root = realpathSync(dir);
  } catch (error) {
    throw new TurbocamError('ERR_INVALID_ARG', `static directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      path: dir,
    });
  }
  if (!statSync(root).isDirectory())
    throw new TurbocamError('ERR_INVALID_ARG', `static directory ${dir} is not a directory`, { path: dir });
  return root;
}

export type StaticAnswer = { status: 200; path: string; size: number; type: string } | { status: 400 | 404; message: string };

/** Maps a request path onto a file under `root`, or says why not. */
export async function resolveStatic(root: string, pathname: string): Promise<StaticAnswer> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { status: 400, message: 'malformed percent-encoding' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { status: 400, message: 'bad characters in the path' };
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s.startsWith('.'))) return { status: 404, message: `no such file: ${pathname}` };
  let candidate = join(root, ...segments);
  try {
    if ((await stat(candidate)).isDirectory()) candidate = join(candidate, 'index.html');
    const real = await realpath(candidate);
    if (real !== root && !real.startsWith(root + sep)) return { status: 404, message: `no such file: ${pathname}` };
    const info = await stat(real);
    if (!info.isFile()) return { status: 404, message: `no such file: ${pathname}` };
    return { status: 200, path: real, size: info.size, type: TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream' };
  } catch {
    return { status: 404, message: `no such file: ${pathname}` };
  }
}

/** Sends a resolved file; HEAD gets the headers only. */
export function sendStatic(
  req: IncomingMessage,
  res: ServerResponse,
  file: { path: string; size: number; type: string },
  headers: Record<string, string>,
): void {
  res.writeHead(200, {
    ...headers,
    'Content-Type': file.type,
    'Content-Length': file.size,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file.path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
