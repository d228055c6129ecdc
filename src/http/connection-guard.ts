// Keeps connection floods from taking the descriptors viewers need. Every connection is tracked
// from accept; one that has not delivered a complete request head ("waiting") is the only kind
// ever shed:
// - past the budget (soft RLIMIT_NOFILE - 64 by default), the oldest waiting connection is pushed
//   out for each new one, so the newest (a viewer trying to connect) gets its chance;
// - past the per-address cap of connections waiting longer than a grace period (a second at
//   most), that address's oldest waiting one goes: a burst of viewers from one address (a
//   dashboard, a proxy) completes its heads within the grace and is never shed;
// - a connection waiting longer than the server timeout is cut (µStreamer's --server-timeout).
// Established requests (streams, snapshots in flight) are never shed: --max-clients caps streams,
// since a proxy in front brings every viewer from one address. Each shed is counted by reason and
// logged at most once per reason per second, so a flood never becomes a log flood.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { every } from '../housekeeping.js';
import type { Log } from '../log.js';

export type ShedReason = 'budget' | 'address' | 'timeout';

export interface ConnectionGuardOptions {
  /** Connections held at most, across every listener (established ones included). */
  budget: number;
  /** A connection waiting this long for a complete request head is cut (ms). */
  timeoutMs: number;
  /** Waiting connections per remote address (0: no cap). */
  perAddress: number;
  log: Log;
}

export interface ConnectionStats {
  open: number;
  waiting: number;
  budget: number;
  shed: Record<ShedReason, number>;
}

interface Waiting {
  /** performance.now() at entry: monotonic, so a wall-clock jump neither cuts nor spares anyone. */
  since: number;
  address: string;
}

const WHY: Record<ShedReason, string> = {
  budget: 'pushed out at the connection budget',
  address: 'over the per-address cap of connections without a request',
  timeout: 'no complete request within the server timeout',
};

const TIMEOUT_ANSWER = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/** The connection budget for a descriptor limit: 64 descriptors stay for the device, files, the
 *  listeners and the runtime's own. */
export function budgetFor(fileLimit: number): number {
  return Math.max(16, fileLimit - 64);
}

export class ConnectionGuard {
  readonly shed: Record<ShedReason, number> = { budget: 0, address: 0, timeout: 0 };
  private readonly live = new Set<Socket>();
  /** Insertion order is entry order: the first entry is the oldest waiting connection. */
  private readonly waiting = new Map<Socket, Waiting>();
  private readonly byAddress = new Map<string, Set<Socket>>();
  private readonly active = new Map<Socket, number>();
  private readonly unlogged: Record<ShedReason, number> = { budget: 0, address: 0, timeout: 0 };
  private readonly loggedAt: Record<ShedReason, number> = { budget: -Infinity, address: -Infinity, timeout: -Infinity };
  private stopSweeping: (() => void) | undefined;

  constructor(private readonly options: ConnectionGuardOptions) {}

  stats(): ConnectionStats {
    return { open: this.live.size, waiting: this.waiting.size, budget: this.options.budget, shed: { ...this.shed } };
  }

  /** Tracks the server's connections; call before it accepts any. */
  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.accepted(socket));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.requested(req.socket, res));
    // An upgraded connection (a WebSocket) has completed its request and never returns to HTTP.
    server.on('upgrade', (req: IncomingMessage) => this.leave(req.socket));
    // A sweep costs only the connections it cuts, so it runs often: every 5 % of the timeout, a
    // quarter second at most, and later by what housekeeping waits for a frame (50 ms at most).
    this.stopSweeping ??= every(Math.max(20, Math.min(250, Math.floor(this.options.timeoutMs / 20))), () => this.sweep());
  }

  close(): void {
    this.stopSweeping?.();
    this.stopSweeping = undefined;
    this.flushLog(true);
  }

  private accepted(socket: Socket): void {
    this.live.add(socket);
    socket.once('close', () => this.forget(socket));
    this.enter(socket);
    this.capAddress(socket.remoteAddress ?? 'unix', performance.now());
    while (this.live.size > this.options.budget && this.waiting.size > 0) {
      const oldest = this.waiting.keys().next().value;
      if (oldest === undefined) break;
      this.cut(oldest, 'budget');
    }
  }

  /** Cuts the address's oldest waiting connections while more than the cap have outlived the grace. */
  private capAddress(address: string, now: number): void {
    const set = this.byAddress.get(address);
    if (this.options.perAddress <= 0 || set === undefined || set.size <= this.options.perAddress) return;
    const grace = Math.min(1000, this.options.timeoutMs / 2);
    let aged = 0;
    for (const socket of set) {
      if (now - (this.waiting.get(socket)?.since ?? now) < grace) break;
      aged++;
    }
    for (const socket of [...set].slice(0, Math.max(0, aged - this.options.perAddress))) this.cut(socket, 'address');
  }

  private requested(socket: Socket, res: ServerResponse): void {
    if (!this.live.has(socket)) return;
    this.leave(socket);
    this.active.set(socket, (this.active.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (this.active.get(socket) ?? 1) - 1;
      if (left > 0) {
        this.active.set(socket, left);
        return;
      }
      this.active.delete(socket);
      // Kept alive for another request: waiting again, under the same rules.
      if (this.live.has(socket) && !socket.destroyed) this.enter(socket);
    });
  }

  private enter(socket: Socket): void {
    const address = socket.remoteAddress ?? 'unix';
    this.waiting.delete(socket);
    this.waiting.set(socket, { since: performance.now(), address });
    let set = this.byAddress.get(address);
    if (set === undefined) {
      set = new Set();
      this.byAddress.set(address, set);
    }
    set.delete(socket);
    set.add(socket);
  }

  private leave(socket: Socket): void {
    const entry = this.waiting.get(socket);
    if (entry === undefined) return;
    this.waiting.delete(socket);
    const set = this.byAddress.get(entry.address);
    set?.delete(socket);
    if (set?.size === 0) this.byAddress.delete(entry.address);
  }

  private forget(socket: Socket): void {
    this.leave(socket);
    this.active.delete(socket);
    this.live.delete(socket);
  }

  private cut(socket: Socket, reason: ShedReason): void {
    this.forget(socket);
    // A client that sent part of a head is told why (the few bytes go to the kernel at once);
    // one that sent nothing gets nothing.
    if (reason === 'timeout' && socket.bytesRead > 0 && socket.writable) socket.write(TIMEOUT_ANSWER);
    // destroy() closes the descriptor now, not on a later tick: the budget is real at once.
    socket.destroy();
    this.counted(reason);
  }

  private counted(reason: ShedReason): void {
    this.shed[reason]++;
    this.unlogged[reason]++;
    this.flushLog(false);
  }

  private sweep(): void {
    const now = performance.now();
    for (const address of [...this.byAddress.keys()]) this.capAddress(address, now);
    for (const [socket, entry] of this.waiting) {
      if (now - entry.since < this.options.timeoutMs) break;
      this.cut(socket, 'timeout');
    }
    this.flushLog(false);
  }

  private flushLog(force: boolean): void {
    const now = performance.now();
    for (const reason of Object.keys(this.unlogged) as ShedReason[]) {
      const count = this.unlogged[reason];
      if (count === 0 || (!force && now - this.loggedAt[reason] < 1000)) continue;
      this.unlogged[reason] = 0;
      this.loggedAt[reason] = now;
      const extra =
        reason === 'timeout'
          ? `, ${this.options.timeoutMs / 1000} s (408)`
          : reason === 'budget'
            ? `, ${this.options.budget} connections`
            : `, ${this.options.perAddress} per address`;
      this.options.log(
        reason === 'timeout' ? 'info' : 'warn',
        `closed ${count} connection${count === 1 ? '' : 's'}: ${WHY[reason]}${extra}`,
      );
    }
  }
}
