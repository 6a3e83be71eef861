/**
 * DynamoDB Local is a Java program; check the runtime before spawning it so a newcomer gets an
 * actionable message instead of a spawn ENOENT.
 */
import { execFile } from 'node:child_process';
import { JavaRuntimeError } from '../errors.ts';

export const minimumJavaVersion = 17;
export const javaInstallHint = 'apt-get install -y openjdk-17-jre-headless';

/** Parses `java -version` output (`openjdk version "17.0.15"`, `java version "1.8.0_392"`) to a major version. */
export function parseJavaMajorVersion(output: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

/** Resolves to the Java major version, or rejects with a {@link JavaRuntimeError} that says how to install it. */
export function checkJava(command = 'java'): Promise<number> {
  return new Promise((resolveVersion, reject) => {
    execFile(command, ['-version'], { timeout: 15_000 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(
          new JavaRuntimeError(
            `Java ${minimumJavaVersion}+ is required for DynamoDB Local: ${javaInstallHint}`,
          ),
        );
        return;
      }
      const version = parseJavaMajorVersion(`${stderr}\n${stdout}`);
      if (version === undefined) {
        reject(
          new JavaRuntimeError(
            `could not read the Java version from "${command} -version"; Java ${minimumJavaVersion}+ is required for DynamoDB Local: ${javaInstallHint}`,
            { cause: error ?? undefined },
          ),
        );
        return;
      }
      if (version < minimumJavaVersion) {
        reject(
          new JavaRuntimeError(
            `Java ${minimumJavaVersion}+ is required for DynamoDB Local, found Java ${version}: ${javaInstallHint}`,
          ),
        );
        return;
      }
      resolveVersion(version);
    });
  });
}
