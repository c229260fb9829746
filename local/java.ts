import { spawnSync } from 'node:child_process';

export const REQUIRED_JAVA_MAJOR = 17;

const INSTALL_JDK = `Debian/Ubuntu: sudo apt-get install openjdk-${REQUIRED_JAVA_MAJOR}-jdk-headless; macOS: brew install openjdk@${REQUIRED_JAVA_MAJOR}`;

/**
 * DynamoDB Local is a Java program, started through a launcher that Java runs from source
 * (local/java/LoopbackDynamoDbLocal.java), which takes a JDK: a JRE has no compiler (the
 * jdk.compiler module). Fail early with what to install rather than with a JVM stack trace or a
 * silent hang.
 */
export function checkJava(command = process.env.JAVA_CMD ?? 'java'): JavaCheck {
  // npm start checks before it starts anything, and again when it starts DynamoDB Local: ask the JVM once.
  let check = checked.get(command);
  if (check === undefined) {
    check = inspect(command);
    checked.set(command, check);
  }
  return check;
}

export type JavaCheck = { ok: true; version: number } | { ok: false; message: string };
const checked = new Map<string, JavaCheck>();

function inspect(command: string): JavaCheck {
  const result = spawnSync(command, ['-version'], { encoding: 'utf8' });
  if (result.error !== undefined) {
    return {
      ok: false,
      message:
        `A JDK, Java ${REQUIRED_JAVA_MAJOR} or newer, is required to run DynamoDB Local, and '${command}' was not found.\n` +
        `Install one (${INSTALL_JDK})\n` +
        'or point JAVA_CMD at its java binary.',
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
  const modules = spawnSync(command, ['--list-modules'], { encoding: 'utf8' });
  if (modules.error !== undefined || !/^jdk\.compiler@/m.test(modules.stdout ?? '')) {
    return {
      ok: false,
      message: `'${command}' is a Java runtime without the jdk.compiler module (a JRE); DynamoDB Local's launcher needs a JDK: install one (${INSTALL_JDK}) or point JAVA_CMD at a JDK's java.`,
    };
  }
  return { ok: true, version: major };
}
