/** Thrown when a function cannot be compiled or replayed right; the message says why and what to do. */
export class CompileError extends Error {
  constructor(message: string) { super(`compile: ${message}`); this.name = 'CompileError'; }
}
