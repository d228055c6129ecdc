// Runs the built CLI (dist/cli/main.js) as a real process. Builds dist first when src is newer.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DIST = join(ROOT, 'dist');
export const CLI = join(DIST, 'cli/main.js');
/** The µStreamer command line in front of the same CLI. */
export const USTREAMER_CLI = join(DIST, 'cli/ustreamer.js');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

export function ensureBuilt(): void {
  let built = 0;
  try {
    built = statSync(CLI).mtimeMs;
  } catch {
    built = 0;
  }
  if (built > newest(join(ROOT, 'src'))) return;
  const result = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`build failed: ${result.stdout}${result.stderr}`);
}

export interface RunningCli {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** First base URL printed, e.g. http://127.0.0.1:41234/ */
  base: string;
  port: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  rssBytes(): number;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the CLI and resolves once it printed its URLs. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = process.env, script = CLI): Promise<RunningCli> {
  const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const running: RunningCli = {
    child,
    stdout: '',
    stderr: '',
    base: '',
    port: 0,
    exited: new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    ),
    rssBytes(): number {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
    },
    async stop(signal: NodeJS.Signals = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return running.exited;
    },
  };
  child.stderr.on('data', (chunk: Buffer) => (running.stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      running.stdout += chunk.toString();
      const match = /(http:\/\/[^\s]+:(\d+)\/)\s/.exec(running.stdout);
      if (match !== null && running.base === '') {
        running.base = match[1] ?? '';
        running.port = Number(match[2]);
        resolve(running);
      }
      const unix = /(unix:[^\s]+:\/)\s/.exec(running.stdout);
      if (unix !== null && running.base === '') {
        running.base = unix[1] ?? '';
        resolve(running);
      }
    });
    void running.exited.then(({ code }) => reject(new Error(`turbocam exited (${code}) before serving: ${running.stderr}`)));
  });
}

/** Runs the CLI to completion. */
export function runCli(args: string[], timeoutMs = 15_000, script = CLI): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
