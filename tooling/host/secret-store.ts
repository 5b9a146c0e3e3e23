import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { UsageError } from './errors.js';
import { isPlainObject } from './schema-tools.js';

// Secrets a person typed into the designer. Workspace files get shared and committed, so a
// saved token never goes into one: it goes into a secrets file in the user's config folder
// (readable by the user only) and the workspace holds {"$secret": "<id>"} in its place, next
// to the {"$env": …} references the host already understands. Without the secrets file the
// reference is just an id: it reveals nothing about the token.

export interface SecretReference {
  $secret: string;
}

const ID = /^s-[0-9a-f]{24}$/;

export function isSecretReference(value: unknown): value is SecretReference {
  return isPlainObject(value) && typeof value.$secret === 'string' && Object.keys(value).length === 1;
}

/** JSON pointers ("/consumerToken") of the top-level properties that are secret references. */
export function secretReferencePointers(properties: Record<string, unknown>): string[] {
  return Object.entries(properties)
    .filter(([, value]) => isSecretReference(value))
    .map(([key]) => '/' + key.replace(/~/g, '~0').replace(/\//g, '~1'));
}

/** $XDG_CONFIG_HOME/flow-tripletex/secrets.json, else ~/.config/flow-tripletex/secrets.json. */
export function secretsFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const config = env.XDG_CONFIG_HOME?.trim() ? env.XDG_CONFIG_HOME.trim() : join(env.HOME?.trim() || homedir(), '.config');
  return join(config, 'flow-tripletex', 'secrets.json');
}

interface SecretsFile {
  about: string;
  secrets: Record<string, string>;
}

const ABOUT = 'Secrets saved by the flow-tripletex designer. Workspace files refer to them as {"$secret": "<id>"}. Keep this file private (mode 0600); never commit or share it.';

export class SecretStore {
  constructor(readonly file: string) {}

  static forEnv(env: NodeJS.ProcessEnv = process.env): SecretStore {
    return new SecretStore(secretsFilePath(env));
  }

  private read(): SecretsFile {
    if (!existsSync(this.file)) return { about: ABOUT, secrets: {} };
    // Like ssh with a private key: a file others can read is refused rather than used.
    const mode = statSync(this.file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new UsageError(`The secrets file ${this.file} can be read by other users (mode ${mode.toString(8).padStart(4, '0')}). Make it private with: chmod 600 "${this.file}"`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      throw new UsageError(`The secrets file ${this.file} is not valid JSON; fix or delete it (its secrets would then have to be entered again)`);
    }
    const secrets = isPlainObject(parsed) && isPlainObject(parsed.secrets) ? parsed.secrets : {};
    return { about: ABOUT, secrets: Object.fromEntries(Object.entries(secrets).filter((e): e is [string, string] => typeof e[1] === 'string')) };
  }

  private write(content: SecretsFile): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
    // writeFileSync's mode is masked by the umask, and an existing temp file keeps its mode.
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.file);
  }

  get(id: string): string | undefined {
    return this.read().secrets[id];
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Stores a value under a new id and returns the reference to write instead of it. */
  put(value: string): SecretReference {
    const content = this.read();
    const id = `s-${randomBytes(12).toString('hex')}`;
    content.secrets[id] = value;
    this.write(content);
    return { $secret: id };
  }

  delete(id: string): void {
    const content = this.read();
    if (!(id in content.secrets)) return;
    delete content.secrets[id];
    this.write(content);
  }
}

/**
 * The value behind a {"$secret": id} reference. A missing one is an error that names the
 * file it was looked for in: a workspace file that came from someone else's machine refers
 * to secrets that only exist there.
 */
export function readStoredSecret(id: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
  const store = SecretStore.forEnv(env);
  const value = ID.test(id) ? store.get(id) : undefined;
  if (value === undefined) {
    throw new UsageError(`${where} refers to stored secret "${id}", which is not in ${store.file}. Secrets saved by the designer stay on the machine that saved them: enter the value again in the designer, or use {"$env": "VARIABLE"}`);
  }
  return value;
}
