import { mkdtemp, readFile, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { ensureJupyterKernel, JUPYTER_INSTALL_HINT } from "./kernel.ts";

/** A notebook cell failed (or Jupyter could not run the notebook); the message shows which. */
export class NotebookExecutionError extends Error {
  override name = "NotebookExecutionError";
}

/** Options of {@link executeNotebook}. */
export interface ExecuteNotebookOptions {
  /** Extra environment for the kernel (e.g. `HF_ENDPOINT`, `WORKSHOP_MODEL`). */
  env?: Record<string, string>;
  /** Seconds a single cell may take (default 600). */
  cellTimeoutSeconds?: number;
  /** Where to write the executed notebook (default: a temporary folder, removed afterwards). */
  outputPath?: string;
  /**
   * Runs this notebook instead of the file's own (e.g. with cells added), given the file's:
   * it runs in the file's folder, so its relative imports and paths resolve as the file's do.
   * The file is not changed, and nothing is written beside it.
   */
  transform?: (notebook: NotebookDocument) => NotebookDocument;
}

/** One cell of a notebook (nbformat 4), as far as the kit reads it. */
export interface NotebookCell {
  cell_type: string;
  /** The cell's text: one string, or lines as nbformat stores them. */
  source: string | string[];
  metadata?: Record<string, unknown>;
  outputs?: Record<string, unknown>[];
  [key: string]: unknown;
}

/** A notebook (nbformat 4) as JSON. */
export interface NotebookDocument {
  cells: NotebookCell[];
  [key: string]: unknown;
}

/** What an executed notebook produced. */
export interface ExecutedNotebook {
  /** The executed notebook as JSON (cells with their outputs). */
  notebook: NotebookDocument;
  seconds: number;
}

/** The executor nbconvert runs notebooks with (`late_output.py` beside this file). */
const LATE_OUTPUT_CLASS = "LateOutputExecutePreprocessor";
const LATE_OUTPUT = `late_output.${LATE_OUTPUT_CLASS}`;

/** PYTHONPATH with this folder first, so nbconvert can import `late_output`. */
function pythonPath(env?: Record<string, string>): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return env?.PYTHONPATH ? `${here}:${env.PYTHONPATH}` : here;
}

/**
 * Executes a notebook headless with `jupyter nbconvert --execute` on Deno's kernel, as CI does,
 * and returns the executed notebook. Any failing cell fails the run with its error text.
 *
 * @example
 * ```ts ignore
 * const { notebook } = await executeNotebook("notebooks/01_quantize_distilbert_mrpc.ipynb", {
 *   env: { WORKSHOP_QUICK: "1" },
 * });
 * ```
 */
export async function executeNotebook(
  path: string,
  options: ExecuteNotebookOptions = {},
): Promise<ExecutedNotebook> {
  const status = await ensureJupyterKernel();
  if (!status.jupyter || !status.kernel) throw new NotebookExecutionError(status.message);
  const source = resolve(path);
  const workDir = options.outputPath ? undefined : await mkdtemp(join(tmpdir(), "notebook-"));
  const output = options.outputPath
    ? resolve(options.outputPath)
    : join(workDir!, basename(source));
  const started = performance.now();
  const stdin = options.transform
    ? JSON.stringify(options.transform(JSON.parse(await readFile(source, "utf8"))))
    : undefined;
  try {
    const result = await runJupyter([
      "nbconvert",
      "--to",
      "notebook",
      // nbconvert's executor, keeping outputs Deno's kernel publishes after idle (late_output.py).
      "--Exporter.preprocessors",
      LATE_OUTPUT,
      `--${LATE_OUTPUT_CLASS}.enabled=True`,
      `--${LATE_OUTPUT_CLASS}.timeout=${options.cellTimeoutSeconds ?? 600}`,
      `--${LATE_OUTPUT_CLASS}.kernel_name=deno`,
      // The first chart of a session carries plotly.js (~5 MB): on a busy machine its output
      // can arrive after nbclient's default 4 s IOPub wait and would be dropped silently.
      `--${LATE_OUTPUT_CLASS}.iopub_timeout=120`,
      `--${LATE_OUTPUT_CLASS}.raise_on_iopub_timeout=True`,
      `--output=${output}`,
      // A transformed notebook comes on stdin; the kernel then starts in nbconvert's folder.
      ...(stdin === undefined ? [source] : ["--stdin"]),
    ], {
      env: { ...options.env, PYTHONPATH: pythonPath(options.env) },
      stdin,
      cwd: dirname(source),
    });
    if (!result.success) {
      const log = new TextDecoder().decode(result.stderr);
      const at = log.indexOf("CellExecutionError");
      throw new NotebookExecutionError(
        `${path} failed:\n${(at >= 0 ? log.slice(at) : log).slice(0, 6000)}`,
      );
    }
    const notebook = JSON.parse(await readFile(output, "utf8"));
    return { notebook, seconds: (performance.now() - started) / 1000 };
  } finally {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * Exports a notebook (typically an executed one) to a standalone HTML page with
 * `jupyter nbconvert --to html`, as a learner would to share it; returns the page's path.
 *
 * @example
 * ```ts ignore
 * const html = await exportNotebookHtml("out/01.ipynb"); // out/01.html
 * ```
 */
export async function exportNotebookHtml(path: string): Promise<string> {
  const source = resolve(path);
  const output = source.replace(/\.ipynb$/, "") + ".html";
  const result = await runJupyter(["nbconvert", "--to", "html", `--output=${output}`, source]);
  if (!result.success) {
    throw new NotebookExecutionError(
      `exporting ${path} to HTML failed:\n${new TextDecoder().decode(result.stderr).slice(-4000)}`,
    );
  }
  return output;
}

/** Runs `jupyter ARGS` (output piped, `stdin` written to it); one that cannot start names the fix. */
async function runJupyter(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string; cwd?: string } = {},
): Promise<Deno.CommandOutput> {
  const { env, stdin, cwd } = options;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("jupyter", {
      args,
      env,
      cwd,
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    throw new NotebookExecutionError(
      `could not start jupyter: ${(error as Error).message}. ${JUPYTER_INSTALL_HINT}`,
    );
  }
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  return await child.output();
}
