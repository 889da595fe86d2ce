/**
 * Lookups by a name that came from a client (an operation, action, view or operator name). A plain
 * `table[name]` also finds what every object inherits (`constructor`, `toString`, `__proto__`...),
 * which would run as a handler; these find a table's own entries only.
 */
export function ownEntry<T>(table: Readonly<Record<string, T>> | undefined, name: string): T | undefined {
  return table !== undefined && Object.hasOwn(table, name) ? table[name] : undefined;
}

export function hasOwnEntry(table: object | undefined, name: string): boolean {
  return table !== undefined && Object.hasOwn(table, name);
}
