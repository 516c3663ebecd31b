import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Credentials, SecretStore } from "#core/connections/types.ts";
import { isCredentials } from "./secret-value.ts";

/** Owner read/write only: the file holds every local connection's credentials. */
const FILE_MODE = 0o600;

/**
 * Writes in flight per file, so two stores of one process on the same file (the local API's and
 * the worker's) never lose each other's change between a read and the rename.
 */
const pendingWrites = new Map<string, Promise<unknown>>();

/**
 * The local stand-in for Secrets Manager: one JSON file mapping secret name → credentials, mode
 * 0600. Every write replaces the file whole (a 0600 temp file renamed over it), so a reader never
 * sees half of one; every `get` reads the file afresh, so what one part of the local process wrote
 * another sees at once. Errors name the file, never a value.
 */
export class FileSecretStore implements SecretStore {
  private readonly path: string;

  constructor(path: string) {
    this.path = resolve(path);
  }

  async get(name: string): Promise<Credentials | undefined> {
    return (await this.read()).get(name);
  }

  async put(name: string, value: Credentials): Promise<void> {
    await this.serialized(async () => {
      const secrets = await this.read();
      secrets.set(name, { ...value });
      await this.write(secrets);
    });
  }

  async delete(name: string): Promise<void> {
    await this.serialized(async () => {
      const secrets = await this.read();
      if (!secrets.delete(name)) return;
      await this.write(secrets);
    });
  }

  private async serialized(change: () => Promise<void>): Promise<void> {
    const previous = pendingWrites.get(this.path) ?? Promise.resolve();
    const next = previous.then(change, change);
    const settled = next.catch(() => {});
    pendingWrites.set(this.path, settled);
    try {
      await next;
    } finally {
      if (pendingWrites.get(this.path) === settled) pendingWrites.delete(this.path);
    }
  }

  private async read(): Promise<Map<string, Credentials>> {
    let text: string;
    try {
      await this.tighten();
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Map();
      throw error;
    }
    const refused = () => new Error(`${this.path} does not hold a JSON object of secrets`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw refused();
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw refused();
    const entries = Object.entries(parsed);
    if (!entries.every(([, value]) => isCredentials(value))) throw refused();
    return new Map(entries as [string, Credentials][]);
  }

  /** A file someone made readable by others is made private again before it is read. */
  private async tighten(): Promise<void> {
    const { mode } = await stat(this.path);
    if ((mode & 0o077) !== 0) await chmod(this.path, FILE_MODE);
  }

  private async write(secrets: Map<string, Credentials>): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temp = `${this.path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      const handle = await open(temp, "wx", FILE_MODE);
      try {
        await handle.writeFile(`${JSON.stringify(Object.fromEntries(secrets), null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}
