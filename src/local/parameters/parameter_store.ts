import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CorruptStateError, writeFileAtomic } from '../core/persist.js';
import { SsmError, validationError } from './errors.js';
import { withFileLock } from './file_lock.js';
import { checkParameterName } from './parameter_names.js';

export type ParameterType = 'String' | 'StringList' | 'SecureString';
export type ParameterTier = 'Standard' | 'Advanced' | 'Intelligent-Tiering';
export const PARAMETER_TYPES: readonly ParameterType[] = ['String', 'StringList', 'SecureString'];
export const PARAMETER_TIERS: readonly ParameterTier[] = ['Standard', 'Advanced', 'Intelligent-Tiering'];

/** The AWS-managed key SSM encrypts SecureStrings with when no KeyId is given. */
export const DEFAULT_KEY_ID = 'alias/aws/ssm';
/** SSM keeps the 100 newest versions of a parameter. */
const MAX_VERSIONS = 100;
const MAX_VALUE_CHARS = { Standard: 4096, Advanced: 8192 } as const;

/** One version of a parameter: everything PutParameter set, as SSM's history keeps it. */
export interface ParameterVersion {
  version: number;
  value: string;
  type: ParameterType;
  keyId?: string;
  description?: string;
  allowedPattern?: string;
  tier: Exclude<ParameterTier, 'Intelligent-Tiering'>;
  dataType: string;
  /** Epoch ms. */
  modifiedAt: number;
  /** ARN of who wrote it. */
  modifiedBy: string;
  labels: string[];
}

export interface StoredParameter {
  name: string;
  /** Oldest first; the last one is the current value. */
  versions: ParameterVersion[];
}

interface StoreState {
  parameters: Record<string, StoredParameter>;
}

export interface PutInput {
  name: string;
  value: string;
  type?: ParameterType;
  overwrite?: boolean;
  description?: string;
  keyId?: string;
  allowedPattern?: string;
  tier?: ParameterTier;
  dataType?: string;
  hasTags?: boolean;
}

export const current = (p: StoredParameter): ParameterVersion => p.versions[p.versions.length - 1];

const emptyState = (): StoreState => ({ parameters: {} });

/**
 * SSM parameters kept in `<dir>/parameters.json`. The running local cloud and `npm run local:secret`
 * both use this store on the same file: every change takes the file lock, re-reads the file, applies
 * and writes atomically (mode 0600: SecureString values are kept in clear, like the rest of the data
 * dir), so neither overwrites the other's change; reads re-load the file whenever it changed on disk.
 */
export class ParameterStore {
  readonly file: string;
  private readonly lockFile: string;
  private cached: StoreState = emptyState();
  private cachedStamp = '';

  constructor(
    dir: string,
    private readonly opts: { lockWaitMs?: number } = {},
  ) {
    this.file = path.join(dir, 'parameters.json');
    this.lockFile = path.join(dir, 'parameters.lock');
  }

  private stamp(): string {
    const st = statSync(this.file, { throwIfNoEntry: false });
    return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : 'none';
  }

  private readDisk(): StoreState {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw err;
    }
    try {
      const parsed = JSON.parse(text) as StoreState;
      if (!parsed || typeof parsed.parameters !== 'object' || parsed.parameters === null) throw new Error('no "parameters" object');
      return parsed;
    } catch (err) {
      throw new CorruptStateError(this.file, err);
    }
  }

  /** The current state, re-read only when the file changed since the last read. */
  private state(): StoreState {
    const stamp = this.stamp();
    if (stamp !== this.cachedStamp) {
      this.cached = this.readDisk();
      this.cachedStamp = stamp;
    }
    return this.cached;
  }

  private mutate<T>(fn: (state: StoreState) => { result: T; changed: boolean }): T {
    const locked = () => {
      const state = this.readDisk();
      const { result, changed } = fn(state);
      if (changed) {
        writeFileAtomic(this.file, `${JSON.stringify(state, null, 1)}\n`, { mode: 0o600 });
        this.cached = state;
        this.cachedStamp = this.stamp();
      }
      return result;
    };
    return withFileLock(this.lockFile, locked, this.opts.lockWaitMs);
  }

  get(name: string): StoredParameter | undefined {
    const parameters = this.state().parameters;
    return Object.hasOwn(parameters, name) ? parameters[name] : undefined;
  }

  /** Every parameter, sorted by name. */
  list(): StoredParameter[] {
    return Object.values(this.state().parameters).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** PutParameter: validates, then writes a new version. Throws SsmError and changes nothing on bad input. */
  put(input: PutInput, now: number, modifiedBy: string): ParameterVersion {
    checkParameterName(input.name);
    if (input.hasTags && input.overwrite) {
      throw new SsmError('ValidationException', 'Invalid request: tags and overwrite can\'t be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.');
    }
    if (input.keyId !== undefined && input.type !== undefined && input.type !== 'SecureString') {
      throw new SsmError('ValidationException', 'KeyId is required for SecureString type parameter only.');
    }
    if (input.dataType !== undefined && input.dataType !== 'text') {
      throw new SsmError('ValidationException', `The following data type is not supported: ${input.dataType} ((local: only "text" parameters are emulated))`);
    }
    if (input.keyId !== undefined && !isDefaultKey(input.keyId)) {
      throw new SsmError('InvalidKeyId', `Invalid keyId ${input.keyId} ((local: only the AWS-managed key ${DEFAULT_KEY_ID} exists))`);
    }
    if (input.allowedPattern !== undefined) {
      if (input.allowedPattern.length > 1024) {
        throw validationError(["Value at 'allowedPattern' failed to satisfy constraint: Member must have length less than or equal to 1024"]);
      }
      let pattern: RegExp;
      try {
        pattern = new RegExp(input.allowedPattern, 'u');
      } catch {
        throw new SsmError('InvalidAllowedPatternException', `The allowed pattern ${input.allowedPattern} is not a valid regular expression.`);
      }
      const match = pattern.exec(input.value);
      if (!match || match[0] !== input.value) {
        throw new SsmError('ParameterPatternMismatchException', `Parameter value, ${input.value}, failed to satisfy constraint specified in allowed pattern: ${input.allowedPattern}.`);
      }
    }
    if (input.value.length < 1) {
      throw validationError(["Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1"]);
    }

    return this.mutate((state) => {
      const existing = Object.hasOwn(state.parameters, input.name) ? state.parameters[input.name] : undefined;
      const previous = existing && current(existing);
      if (existing && !input.overwrite) {
        throw new SsmError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
      }
      const type = input.type ?? previous?.type;
      if (!type) throw new SsmError('ValidationException', 'A parameter type is required when you create a parameter.');
      const requested = input.tier === 'Intelligent-Tiering' ? undefined : input.tier;
      // Intelligent-Tiering picks Advanced only when Standard cannot hold the value; a parameter never goes back down.
      const grows = input.tier === 'Intelligent-Tiering' && input.value.length > MAX_VALUE_CHARS.Standard;
      const tier = requested ?? (previous?.tier === 'Advanced' || grows ? 'Advanced' : 'Standard');
      if (requested === 'Standard' && previous?.tier === 'Advanced') {
        throw new SsmError('ValidationException', 'This parameter uses the advanced-parameter tier. You can\'t downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.');
      }
      if (input.value.length > MAX_VALUE_CHARS[tier]) {
        throw new SsmError(
          'ValidationException',
          tier === 'Standard'
            ? 'Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html'
            : 'Advanced tier parameters support a maximum parameter value of 8192 characters.',
        );
      }
      const version: ParameterVersion = {
        version: (previous?.version ?? 0) + 1,
        value: input.value,
        type,
        ...(type === 'SecureString' ? { keyId: input.keyId ?? (previous?.type === 'SecureString' ? previous.keyId : undefined) ?? DEFAULT_KEY_ID } : {}),
        ...((input.description ?? previous?.description) !== undefined ? { description: input.description ?? previous?.description } : {}),
        ...((input.allowedPattern ?? previous?.allowedPattern) !== undefined ? { allowedPattern: input.allowedPattern ?? previous?.allowedPattern } : {}),
        tier,
        dataType: input.dataType ?? previous?.dataType ?? 'text',
        modifiedAt: now,
        modifiedBy,
        labels: [],
      };
      const versions = [...(existing?.versions ?? []), version].slice(-MAX_VERSIONS);
      state.parameters[input.name] = { name: input.name, versions };
      return { result: version, changed: true };
    });
  }

  /** Deletes parameters; returns the names that existed (and are now gone). */
  delete(names: readonly string[]): string[] {
    return this.mutate((state) => {
      const deleted = names.filter((n) => Object.hasOwn(state.parameters, n));
      for (const n of deleted) delete state.parameters[n];
      return { result: deleted, changed: deleted.length > 0 };
    });
  }

  /** Replaces every parameter `keep` does not protect with `parameters` (snapshot import). */
  replaceAll(parameters: readonly StoredParameter[], keep: (p: StoredParameter) => boolean): void {
    this.mutate((state) => {
      const kept = Object.values(state.parameters).filter(keep);
      state.parameters = {};
      for (const p of [...kept, ...parameters]) state.parameters[p.name] = p;
      return { result: undefined, changed: true };
    });
  }

  clear(): void {
    this.mutate((state) => {
      const changed = Object.keys(state.parameters).length > 0;
      state.parameters = {};
      return { result: undefined, changed };
    });
  }
}

function isDefaultKey(keyId: string): boolean {
  return keyId === DEFAULT_KEY_ID || /^arn:aws[a-z-]*:kms:[^:]+:\d{12}:alias\/aws\/ssm$/.test(keyId);
}
