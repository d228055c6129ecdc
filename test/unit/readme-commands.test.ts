// The README's quick-start commands run as written both as a user with sudo and as root in a bare
// container without it, their apt packages are those CI installs, and .ci/run ends with the
// README's test command. The commands' apt part runs for real in /bin/sh, against stubs of
// apt-get and sudo that record how they were called.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', ROOT), 'utf8');
const ci = readFileSync(new URL('.ci/run', ROOT), 'utf8');

/** The two commands of the Quick start: install-and-start, then install-and-test. */
function quickStart(): string[] {
  const section = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1));
  return [...section.matchAll(/```sh\n([^`]+?)\n```/g)].map((match) => match[1] ?? '').slice(0, 2);
}

/** The command up to its first `npm` step: what needs root. */
const aptPart = (command: string): string => command.slice(0, command.indexOf(' && npm'));

/** Runs `script` in /bin/sh with only the stubs on PATH; returns what they recorded. */
function runWithStubs(script: string, withSudo: boolean): { status: number | null; calls: string[]; stderr: string } {
  const bin = mkdtempSync(join(tmpdir(), 'turbocam-readme-'));
  const log = join(bin, 'calls.log');
  writeFileSync(join(bin, 'apt-get'), `#!/bin/sh\necho "apt-get $*" >> ${log}\n`);
  if (withSudo) writeFileSync(join(bin, 'sudo'), `#!/bin/sh\necho "sudo $1" >> ${log}\nexec "$@"\n`);
  for (const name of withSudo ? ['apt-get', 'sudo'] : ['apt-get']) chmodSync(join(bin, name), 0o755);
  writeFileSync(log, '');
  const result = spawnSync('/bin/sh', ['-c', script], { env: { PATH: bin }, encoding: 'utf8' });
  return { status: result.status, calls: readFileSync(log, 'utf8').trim().split('\n'), stderr: result.stderr };
}

describe('README quick start', () => {
  const commands = quickStart();

  it('has the install-and-start and install-and-test commands', () => {
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(/&& npm ci && npm start$/);
    expect(commands[1]).toMatch(/&& npm test$/);
  });

  it.each([0, 1])('command %i runs as root without sudo, and through sudo where it exists', (index) => {
    const command = commands[index] ?? '';
    const packages = /apt-get install -y ([^&]+?) &&/.exec(command)?.[1] ?? '';
    expect(packages).not.toBe('');
    const asRoot = runWithStubs(aptPart(command), false);
    expect(asRoot.stderr).toBe('');
    expect(asRoot.status).toBe(0);
    expect(asRoot.calls).toEqual(['apt-get update', `apt-get install -y ${packages}`]);
    const asUser = runWithStubs(aptPart(command), true);
    expect(asUser.status).toBe(0);
    expect(asUser.calls).toEqual(['sudo apt-get', 'apt-get update', 'sudo apt-get', `apt-get install -y ${packages}`]);
  });

  it('installs what CI installs, and .ci/run ends with the README test command', () => {
    const ciPackages = new Set(
      [...ci.matchAll(/^(?:build|test)_packages=\(([^)]*)\)/gm)].flatMap((match) => (match[1] ?? '').split(/\s+/)),
    );
    for (const command of commands) {
      for (const name of (/apt-get install -y ([^&]+?) &&/.exec(command)?.[1] ?? '').split(' ')) expect(ciPackages, name).toContain(name);
    }
    const lastCiCommand = ci.trim().split('\n').at(-1);
    expect(lastCiCommand).toBe(commands[1]?.split(' && ').at(-1));
  });
});
