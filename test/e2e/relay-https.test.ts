// `-d https://...`: the relay reads an MJPEG stream over TLS, verifying the certificate. The
// upstream is an HTTPS server with a self-signed certificate made here by openssl; the relay trusts
// it through NODE_EXTRA_CA_CERTS, as a user would add a camera's own CA.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, startCli } from '../helpers/cli.js';
import { solidJpeg } from '../helpers/controlled-source.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';

const dir = mkdtempSync(join(tmpdir(), 'turbocam-https-'));
const cert = join(dir, 'cert.pem');
let upstream: Server;
let url = '';
const frame = solidJpeg(96, 64, 140);

beforeAll(async () => {
  ensureBuilt();
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      cert,
    ],
    { stdio: 'pipe' },
  );
  upstream = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(cert) }, (req, res) => {
    res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=tls' });
    const send = (): void => {
      res.write(`--tls\r\nContent-Type: image/jpeg\r\nContent-Length: ${frame.length}\r\n\r\n`);
      res.write(frame);
      res.write('\r\n');
    };
    send();
    const timer = setInterval(send, 100);
    req.socket.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(upstream.address() as AddressInfo).port}/stream`;
});

afterAll(() => {
  upstream?.closeAllConnections();
  upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('https relay', () => {
  it('relays frames from an https upstream whose certificate it trusts', async () => {
    const relay = await startCli(['-d', url, '-p', '0'], { ...process.env, NODE_EXTRA_CA_CERTS: cert });
    try {
      expect(relay.stdout).toContain(`streaming ${url} 96x64 (MJPEG passed through)`);
      const client = new StrictMjpegClient({ port: relay.port });
      await client.waitForParts(3);
      client.close();
      expect(client.parts.at(-1)?.body.equals(frame)).toBe(true);
    } finally {
      await relay.stop();
    }
  });

  it('refuses an upstream whose certificate it does not trust, with one line and exit 1', async () => {
    const result = await runCli(['-d', url, '-p', '0']);
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/self[- ]signed certificate|DEPTH_ZERO_SELF_SIGNED_CERT/i);
  });
});
