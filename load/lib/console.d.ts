// k6 provides `console` in the VU runtime, but @types/k6 does not declare it and the scripts are type-checked
// without the DOM lib (k6 has no DOM). Only the methods k6 implements are declared.
declare var console: {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
};
