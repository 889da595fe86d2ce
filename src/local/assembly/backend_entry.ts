import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The entry files `ampx` accepts, in the order it tries them (`BackendLocator` in
 * @aws-amplify/platform-core): compiled JavaScript first, for projects that compile their own
 * TypeScript, then `backend.ts`. ampx accepts no other name (not `backend.mts`), so neither do we:
 * a backend that runs locally must also deploy.
 */
export const BACKEND_ENTRY_NAMES = ['backend.js', 'backend.mjs', 'backend.cjs', 'backend.ts'] as const;

export type BackendEntryName = (typeof BACKEND_ENTRY_NAMES)[number];

export class BackendEntryError extends Error {
  override readonly name = 'BackendEntryError';
  constructor(
    message: string,
    readonly resolution: string,
  ) {
    super(message);
  }
}

export interface BackendEntry {
  /** Absolute path of the entry file. */
  file: string;
  /** Its name inside `amplify/`, e.g. `backend.mjs`. */
  name: BackendEntryName;
  /** `amplify/<name>`, for messages. */
  relative: string;
}

/** The backend's entry file under `<projectDir>/amplify/`, found as ampx finds it. */
export function findBackendEntry(projectDir: string): BackendEntry {
  const amplifyDir = path.join(path.resolve(projectDir), 'amplify');
  for (const name of BACKEND_ENTRY_NAMES) {
    const file = path.join(amplifyDir, name);
    if (existsSync(file)) return { file, name, relative: `amplify/${name}` };
  }
  const tried = BACKEND_ENTRY_NAMES.map((n) => `amplify/${n}`).join(', ');
  const near = existsSync(amplifyDir) ? readdirSync(amplifyDir).filter((f) => /^backend\.\w+$/.test(f)) : [];
  const nearNote = near.length ? ` (found ${near.map((f) => `amplify/${f}`).join(', ')}, which ampx does not accept either)` : '';
  throw new BackendEntryError(
    `No backend entry file in ${amplifyDir}: tried ${tried}${nearNote}.`,
    'Define the backend in amplify/backend.ts (or amplify/backend.js, .mjs, .cjs), the file that calls defineBackend().',
  );
}
