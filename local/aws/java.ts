import { spawnSync } from "node:child_process";

/** DynamoDB Local 3.x is built for Java 17. */
export const MIN_JAVA_MAJOR = 17;

export const JAVA_INSTALL_HINT =
  "DynamoDB Local needs Java 17 or newer on PATH. Install it, e.g. on Debian/Ubuntu: " +
  "`sudo apt-get install openjdk-17-jre-headless`; on macOS: `brew install --cask temurin@17`; " +
  "or any Temurin 17+ build from adoptium.net. Then run `java -version` to check.";

/**
 * The major version in `java -version` output: `openjdk version "17.0.15"` → 17,
 * `java version "1.8.0_392"` → 8 (the old `1.x` numbering).
 */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(versionOutput);
  if (!match?.[1]) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

/** Throws with install instructions unless a Java ≥ 17 is on PATH. */
export function requireJava(): void {
  const result = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (result.error) throw new JavaMissingError(`Java was not found on PATH. ${JAVA_INSTALL_HINT}`);
  const major = parseJavaMajor(`${result.stderr}\n${result.stdout}`);
  if (major === undefined)
    throw new JavaMissingError(`Could not read the Java version. ${JAVA_INSTALL_HINT}`);
  if (major < MIN_JAVA_MAJOR) {
    throw new JavaMissingError(
      `Java ${major} is on PATH, but ${MIN_JAVA_MAJOR}+ is needed. ${JAVA_INSTALL_HINT}`,
    );
  }
}

export class JavaMissingError extends Error {
  override readonly name = "JavaMissingError";
}
