/** What a progress reporter is told about the work it follows. */
export interface ProgressOptions {
  /** Short name of the work, shown at the start of every line (e.g. `config.json`). */
  label: string;
  /** Amount of work when known (bytes for downloads, batches for calibration, …). */
  total?: number;
  /**
   * Unit of the amounts: `"B"` prints human sizes (`12.3 MB`); any other string is printed after
   * the numbers (`12/40 batches`); none prints bare numbers.
   */
  unit?: string;
}

/**
 * Receives the progress of one piece of work. Calls after `done()` or `fail()` are ignored, so a
 * caller may call `fail()` in a `catch` without checking whether `done()` already ran.
 */
export interface ProgressReporter {
  /** Adds `n` (default 1) to the amount done. */
  tick(n?: number): void;
  /** Sets the amount done to `value`. */
  update(value: number): void;
  /** The work finished. */
  done(): void;
  /** The work stopped on an error (the error, when given, is named on the last line). */
  fail(error?: unknown): void;
}

/** Makes a reporter for one piece of work; pass your own to send progress elsewhere. */
export type ProgressReporterFactory = (options: ProgressOptions) => ProgressReporter;

/**
 * How a function that reports progress is told where to report it: `true` or absent uses
 * {@linkcode createProgress}, `false` reports nothing, a factory sends it to your own sink.
 */
export type ProgressOption = boolean | ProgressReporterFactory;
