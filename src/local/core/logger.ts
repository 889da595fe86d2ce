export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** A child logger whose lines carry `[prefix]`. */
  child(prefix: string): Logger;
}

export function consoleLogger(prefix = '', sink: Pick<Console, 'log' | 'warn' | 'error'> = console): Logger {
  const tag = prefix ? `[${prefix}] ` : '';
  return {
    info: (m) => sink.log(`${tag}${m}`),
    warn: (m) => sink.warn(`${tag}${m}`),
    error: (m) => sink.error(`${tag}${m}`),
    child: (p) => consoleLogger(prefix ? `${prefix}:${p}` : p, sink),
  };
}

/** Discards everything (tests that don't care about logs). */
export const silentLogger: Logger = {
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
