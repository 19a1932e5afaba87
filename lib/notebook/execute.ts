import { mkdtemp, readFile, rm } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { tmpdir } from "node:os";
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
}

/** What an executed notebook produced. */
export interface ExecutedNotebook {
  /** The executed notebook as JSON (cells with their outputs). */
  notebook: { cells: { cell_type: string; outputs?: Record<string, unknown>[] }[] };
  seconds: number;
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
  try {
    const result = await runJupyter([
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      `--ExecutePreprocessor.timeout=${options.cellTimeoutSeconds ?? 600}`,
      "--ExecutePreprocessor.kernel_name=deno",
      // The first chart of a session carries plotly.js (~5 MB): on a busy machine its output
      // can arrive after nbclient's default 4 s IOPub wait and would be dropped silently.
      "--ExecutePreprocessor.iopub_timeout=120",
      "--ExecutePreprocessor.raise_on_iopub_timeout=True",
      `--output=${output}`,
      source,
    ], options.env);
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

/** Runs `jupyter ARGS` (output piped); a Jupyter that cannot start names the fix. */
function runJupyter(args: string[], env?: Record<string, string>): Promise<Deno.CommandOutput> {
  return new Deno.Command("jupyter", { args, env, stdout: "piped", stderr: "piped" }).output()
    .catch((error) => {
      throw new NotebookExecutionError(
        `could not start jupyter: ${error.message}. ${JUPYTER_INSTALL_HINT}`,
      );
    });
}
