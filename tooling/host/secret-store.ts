import { randomBytes } from 'node:crypto';
import { closeSync, constants, lstatSync, mkdirSync, openSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { UsageError } from './errors.js';
import { writeFileReplacing } from './safe-files.js';
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

/** The current user's id, or undefined where there is none (Windows). */
function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

export interface SecretStoreOptions {
  /** The user who must own the folder and the file (default: this process's user). */
  owner?: number;
}

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}

/**
 * Whether a value has the secrets file's shape: a page must never be sent one, whatever
 * name it is found under (a flow file that is a copy of it).
 */
export function looksLikeSecretsFile(value: unknown): boolean {
  return isPlainObject(value) && isPlainObject(value.secrets) && typeof value.about === 'string' && value.about.startsWith(ABOUT.split('.')[0]!);
}

/**
 * The designer's secrets file. Like ssh with a private key, it is used only when nobody else
 * can touch it: the folder and the file must belong to the user and be closed to others
 * (0700, 0600); otherwise it is refused, for reading and writing alike, with the command that
 * fixes it. A secrets file that is a link is refused too, not followed: a link lets whoever
 * made it choose where the tokens are written. Writes go through an exclusive temporary file
 * with an unpredictable name (safe-files.ts). Callers that change the file (put, delete) hold
 * its lock (file-lock.ts) around the read-modify-write.
 */
export class SecretStore {
  readonly folder: string;
  readonly #owner: number | undefined;

  constructor(
    readonly file: string,
    options: SecretStoreOptions = {},
  ) {
    this.folder = dirname(file);
    this.#owner = options.owner ?? currentUid();
  }

  static forEnv(env: NodeJS.ProcessEnv = process.env, options: SecretStoreOptions = {}): SecretStore {
    return new SecretStore(secretsFilePath(env), options);
  }

  /** Checks the folder when it exists (creating it, 0700, when `create`); throws a UsageError with the fix. */
  ensureFolder(create = false): boolean {
    if (create) mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    let stats;
    try {
      stats = statSync(this.folder);
    } catch {
      return false;
    }
    const uid = this.#owner;
    if (!stats.isDirectory()) throw new UsageError(`The secrets folder ${this.folder} is not a folder; move it away so that the designer can make the folder`);
    if (uid !== undefined && stats.uid !== uid) {
      throw new UsageError(`The secrets folder ${this.folder} belongs to another user (uid ${stats.uid}), who could read or swap your tokens. Give it to yourself with: sudo chown "$(id -un)" "${this.folder}" — or set XDG_CONFIG_HOME to a folder of your own`);
    }
    if ((stats.mode & 0o077) !== 0) {
      throw new UsageError(`The secrets folder ${this.folder} is open to other users (mode ${octal(stats.mode)}): they could read or replace the secrets file. Make it private with: chmod 700 "${this.folder}"`);
    }
    return true;
  }

  /** Checks the file when it exists: a regular file of the user's, closed to others. */
  private checkFile(): boolean {
    let stats;
    try {
      stats = lstatSync(this.file);
    } catch {
      return false;
    }
    if (stats.isSymbolicLink()) {
      let target = '(a target that does not exist)';
      try {
        target = realpathSync(this.file);
      } catch {
        // Described as it is.
      }
      throw new UsageError(`The secrets file ${this.file} is a link to ${target}. A link is refused, not followed, since whoever made it chooses where your tokens go. Replace it with the file itself: mv "${target}" "${this.file}"`);
    }
    if (!stats.isFile()) throw new UsageError(`The secrets file ${this.file} is not a regular file; move it away (its secrets would then have to be entered again)`);
    const uid = this.#owner;
    if (uid !== undefined && stats.uid !== uid) {
      throw new UsageError(`The secrets file ${this.file} belongs to another user (uid ${stats.uid}). Give it to yourself with: sudo chown "$(id -un)" "${this.file}"`);
    }
    if ((stats.mode & 0o077) !== 0) {
      const open = (stats.mode & 0o044) !== 0 ? 'read' : 'written';
      throw new UsageError(`The secrets file ${this.file} can be ${open} by other users (mode ${octal(stats.mode)}). Make it private with: chmod 600 "${this.file}"`);
    }
    return true;
  }

  private read(): SecretsFile {
    if (!this.ensureFolder() || !this.checkFile()) return { about: ABOUT, secrets: {} };
    let text: string;
    try {
      // O_NOFOLLOW: should the file have become a link since it was checked, nothing is read through it.
      const fd = openSync(this.file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      try {
        text = readFileSync(fd, 'utf8');
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(code === 'ELOOP' ? `The secrets file ${this.file} became a link while being read; it is refused, not followed` : `The secrets file ${this.file} cannot be read (${code ?? 'unknown error'})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UsageError(`The secrets file ${this.file} is not valid JSON; fix or delete it (its secrets would then have to be entered again)`);
    }
    const secrets = isPlainObject(parsed) && isPlainObject(parsed.secrets) ? parsed.secrets : {};
    return { about: ABOUT, secrets: Object.fromEntries(Object.entries(secrets).filter((e): e is [string, string] => typeof e[1] === 'string')) };
  }

  private write(content: SecretsFile): void {
    this.ensureFolder(true);
    this.checkFile();
    writeFileReplacing(this.file, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
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
