// A library server per test: started on a free port, closed after each test whatever happened.
import { afterEach } from 'vitest';
import { createServer, type ServerOptions, type TurbocamServer } from '../../src/http/server.js';

/** Registers an afterEach that closes the server; `start` listens on a free port and returns it. */
export function serverFixture(): { start: (options: ServerOptions) => Promise<TurbocamServer> } {
  let server: TurbocamServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  return {
    async start(options) {
      await server?.close();
      server = createServer(options);
      await server.listen({ port: 0 });
      return server;
    },
  };
}
