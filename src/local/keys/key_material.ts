import { JsonFile } from '../core/persist.js';
import { writeFileAtomic } from '../core/persist.js';

interface MaterialFile {
  version: 1;
  /** Key id → its 256-bit material (base64) and when it was made (epoch ms). */
  keys: Record<string, { material: string; createdAt: number }>;
}

/**
 * The secret material of each key, generated the first time a key is used in this data dir and
 * kept (mode 0600) so ciphertexts stay decryptable across restarts. Never shipped or derived from
 * the template: another data dir has other material.
 */
export class KeyMaterialStore {
  private readonly file: JsonFile<MaterialFile>;
  private state: MaterialFile = { version: 1, keys: {} };

  constructor(
    dir: string,
    private readonly random: (n: number) => Buffer,
    private readonly now: () => number,
  ) {
    this.file = new JsonFile<MaterialFile>(dir, 'key-material.json');
  }

  load(): void {
    this.state = this.file.load() ?? { version: 1, keys: {} };
  }

  /** Key id → material (base64) and creation time, for every key used so far (snapshot export). */
  entries(): Record<string, { material: string; createdAt: number }> {
    return { ...this.state.keys };
  }

  /** Sets the material of these keys (snapshot import); keys not named keep theirs. */
  replace(keys: Record<string, { material: string; createdAt: number }>): void {
    this.state = { version: 1, keys: { ...this.state.keys, ...keys } };
    writeFileAtomic(this.file.file, `${JSON.stringify(this.state, null, 1)}\n`, { mode: 0o600 });
  }

  /** The key's material and creation time, made now when the key has none yet. */
  get(keyId: string): { material: Buffer; createdAt: number } {
    let entry = this.state.keys[keyId];
    if (!entry) {
      entry = { material: this.random(32).toString('base64'), createdAt: this.now() };
      this.state.keys[keyId] = entry;
      writeFileAtomic(this.file.file, `${JSON.stringify(this.state, null, 1)}\n`, { mode: 0o600 });
    }
    return { material: Buffer.from(entry.material, 'base64'), createdAt: entry.createdAt };
  }
}
