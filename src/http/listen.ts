// Where the server listens: TCP (127.0.0.1 unless told otherwise), a Unix socket, or a socket
// systemd hands over (LISTEN_FDS, first fd 3). Also lists every URL that reaches it.
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { TurbocamError } from '../errors.js';

export type ListenTarget = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string } | { kind: 'systemd'; fd: number };

/** The fd systemd passed, when it started us through a socket unit. */
export function systemdSocketFd(env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (env.LISTEN_PID !== String(process.pid)) return undefined;
  const count = Number(env.LISTEN_FDS);
  if (!Number.isInteger(count) || count < 1) return undefined;
  return 3;
}

// A socket file left by a crashed instance refuses connections; a live one accepts them.
async function removeStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  if (!lstatSync(path).isSocket()) throw new TurbocamError('EEXIST', `${path} exists and is not a socket`, { path });
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new TurbocamError('EADDRINUSE', `another server listens on ${path}`, { path });
  unlinkSync(path);
}

export async function listenOn(server: Server, target: ListenTarget): Promise<void> {
  if (target.kind === 'unix') await removeStaleSocket(target.path);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      const where = target.kind === 'tcp' ? `${target.host}:${target.port}` : target.kind === 'unix' ? target.path : `fd ${target.fd}`;
      reject(new TurbocamError(error.code ?? 'ERR_LISTEN', `cannot listen on ${where}: ${error.message}`, { path: where, cause: error }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    if (target.kind === 'tcp') server.listen(target.port, target.host);
    else if (target.kind === 'unix') server.listen(target.path);
    else server.listen({ fd: target.fd });
  });
}

function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** Base URLs (ending in `/`) of a listening server. */
export function baseUrls(server: Server, target: ListenTarget): string[] {
  const address = server.address();
  if (target.kind === 'unix') return [`unix:${target.path}:/`];
  if (address === null || typeof address === 'string') return [`unix:${String(address)}:/`];
  const { port } = address;
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  if (!wildcard) return [`http://${formatHost(address.address)}:${port}/`];
  const urls: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) {
      if (entry.family === 'IPv6' && address.address === '0.0.0.0') continue;
      if (entry.family === 'IPv6' && entry.address.startsWith('fe80')) continue;
      urls.push(`http://${formatHost(entry.address)}:${port}/`);
    }
  }
  return urls;
}
