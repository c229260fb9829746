import { spawnSync } from 'node:child_process';

export const REQUIRED_JAVA_MAJOR = 17;

/**
 * DynamoDB Local is a Java program. Fail early with what to install rather than with a JVM stack
 * trace or a silent hang.
 */
export function checkJava(command = process.env.JAVA_CMD ?? 'java'): { ok: true; version: number } | { ok: false; message: string } {
  const result = spawnSync(command, ['-version'], { encoding: 'utf8' });
  if (result.error !== undefined) {
    return {
      ok: false,
      message:
        `Java ${REQUIRED_JAVA_MAJOR} or newer is required to run DynamoDB Local, and '${command}' was not found.\n` +
        `Install it (Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless; macOS: brew install openjdk@17)\n` +
        'or point JAVA_CMD at a java binary.',
    };
  }
  const text = `${result.stderr}${result.stdout}`;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(text);
  const major = match === null ? 0 : Number(match[1]) === 1 ? Number(match[2]) : Number(match[1]);
  if (major < REQUIRED_JAVA_MAJOR) {
    return {
      ok: false,
      message: `DynamoDB Local needs Java ${REQUIRED_JAVA_MAJOR} or newer; '${command}' is version ${major || 'unknown'}.\n${text.trim()}`,
    };
  }
  return { ok: true, version: major };
}
