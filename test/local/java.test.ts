import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkJava } from '../../local/java.ts';

/** Stand-in java binaries: shell scripts answering `-version` and `--list-modules` as a JDK or a JRE does. */
const dir = mkdtempSync(join(tmpdir(), 'fake-java-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeJava(name: string, version: string, modules: readonly string[]): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    [
      '#!/bin/sh',
      'case "$1" in',
      `  -version) echo 'openjdk version "${version}" 2025-04-15' >&2 ;;`,
      `  --list-modules) printf '%s\\n' ${modules.map((m) => `'${m}@${version}'`).join(' ')} ;;`,
      '  *) exit 1 ;;',
      'esac',
      '',
    ].join('\n'),
  );
  chmodSync(file, 0o755);
  return file;
}

const JRE_MODULES = ['java.base', 'java.compiler', 'java.logging', 'jdk.crypto.ec', 'jdk.unsupported'];

describe('checkJava', () => {
  it('accepts a JDK of Java 17 or later', () => {
    expect(checkJava(fakeJava('jdk17', '17.0.15', [...JRE_MODULES, 'jdk.compiler']))).toEqual({ ok: true, version: 17 });
    expect(checkJava(fakeJava('jdk21', '21.0.2', [...JRE_MODULES, 'jdk.compiler']))).toEqual({ ok: true, version: 21 });
  });

  it('refuses a JRE (no jdk.compiler, which the launcher run from source needs) in one line naming what to install', () => {
    const jre = fakeJava('jre17', '17.0.15', JRE_MODULES);
    const result = checkJava(jre);
    expect(result.ok).toBe(false);
    const { message } = result as { message: string };
    expect(message).not.toContain('\n');
    expect(message).toContain('jdk.compiler');
    expect(message).toContain('openjdk-17-jdk-headless');
    expect(message).toContain(jre);
  });

  it('refuses an older Java before asking for its modules', () => {
    const result = checkJava(fakeJava('java11', '11.0.22', [...JRE_MODULES, 'jdk.compiler']));
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('needs Java 17 or newer') });
  });

  it('names a JDK to install when no java is found', () => {
    const result = checkJava(join(dir, 'no-such-java'));
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('openjdk-17-jdk-headless') });
  });

  it('accepts the java of this machine (it runs DynamoDB Local for the other tests)', () => {
    expect(checkJava()).toMatchObject({ ok: true });
  });
});
