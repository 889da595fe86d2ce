/**
 * The local cloud as its own process for the crash and load runs (what `npm start` runs, minus the
 * banner): `node --import tsx cloud_process.ts <assemblyDir> <dataDir> <port> <outputsPath>`.
 * It reports `{ ready, endpoint }` over IPC once it serves, and answers `{ heap }` requests with the
 * live heap after a full GC (needs --expose-gc), so the parent can tell retained memory from garbage.
 */
import { writeHeapSnapshot } from 'node:v8';
import { createLocalCloud } from '../../src/local/app.js';
import { loadBackendModel } from '../../src/local/assembly/load_assembly.js';
import type { Logger } from '../../src/local/core/logger.js';

const [assemblyDir, dataDir, port, outputsPath] = process.argv.slice(2);
const errorsOnly: Logger = { info: () => {}, warn: () => {}, error: (m) => console.error(`[local-cloud] ${m}`), child: () => errorsOnly };

process.on('unhandledRejection', (reason) => console.error(`[local-cloud] unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`));

const cloud = await createLocalCloud({ model: loadBackendModel(assemblyDir), dataDir, port: Number(port), outputsPath, log: errorsOnly });

process.on('message', (msg: { type: string; file?: string }) => {
  if (msg.type === 'heap') {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    process.send?.({ type: 'heap', memory: process.memoryUsage(), gc: Boolean(gc) });
  } else if (msg.type === 'snapshot') {
    process.send?.({ type: 'snapshot', file: writeHeapSnapshot(msg.file) });
  } else if (msg.type === 'handles') {
    // What holds descriptors open: sockets by their ends, other handles by type.
    const handles = (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles().map((h) => {
      const s = h as { constructor: { name: string }; remotePort?: number; localPort?: number; remoteAddress?: string; destroyed?: boolean };
      return s.localPort !== undefined ? `${s.constructor.name} ${s.localPort}->${s.remoteAddress}:${s.remotePort}${s.destroyed ? ' destroyed' : ''}` : s.constructor.name;
    });
    process.send?.({ type: 'handles', handles });
  } else if (msg.type === 'stop') {
    void cloud.stop().then(() => process.exit(0));
  }
});
process.send?.({ type: 'ready', endpoint: cloud.endpoint });
