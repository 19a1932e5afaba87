import { existsSync } from "node:fs";
import { join } from "node:path";

/** Whether Jupyter and Deno's kernel are ready, and what to do if not. */
export interface KernelStatus {
  /** `jupyter` is on the PATH. */
  jupyter: boolean;
  /** Deno's kernelspec is registered. */
  kernel: boolean;
  /** The Jupyter front-end found (`lab` before `notebook`), if any. */
  frontEnd?: "lab" | "notebook";
  message: string;
}

/** How to install a Jupyter front-end when only the headless tools are there. */
export const JUPYTER_FRONTEND_HINT =
  "no Jupyter front-end was found (neither `jupyter lab` nor `jupyter notebook`); install one " +
  "with `pip install jupyterlab` (then `jupyter lab notebooks/`), or on Debian/Ubuntu " +
  "`apt-get install jupyter-notebook` (then `jupyter notebook notebooks/`).";

/** How to install Jupyter, for messages. */
export const JUPYTER_INSTALL_HINT =
  "Install Jupyter with `pip install jupyterlab` (or, on Debian/Ubuntu, `apt-get install jupyter-nbconvert python3-nbclient` for headless runs), then run `deno task setup` again.";

/**
 * Registers Deno's Jupyter kernel (`deno jupyter --install`) unless it already is, and reports
 * whether Jupyter itself is installed.
 *
 * @example
 * ```ts ignore
 * const status = await ensureJupyterKernel();
 * console.log(status.message);
 * ```
 */
export async function ensureJupyterKernel(): Promise<KernelStatus> {
  const jupyter = await commandWorks("jupyter", ["--version"]);
  if (!jupyter) {
    return {
      jupyter,
      kernel: kernelRegistered(),
      message: `Jupyter was not found. ${JUPYTER_INSTALL_HINT}`,
    };
  }
  if (!kernelRegistered()) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["jupyter", "--install"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      return {
        jupyter,
        kernel: false,
        message: `deno jupyter --install failed: ${new TextDecoder().decode(out.stderr)}`,
      };
    }
  }
  const frontEnd = await jupyterFrontEnd();
  return {
    jupyter,
    kernel: true,
    ...(frontEnd ? { frontEnd } : {}),
    message: frontEnd
      ? `Jupyter and the Deno kernel are ready: \`jupyter ${frontEnd} notebooks/\` opens the workshop.`
      : `The Deno kernel is registered and headless runs work (jupyter nbconvert), but ${JUPYTER_FRONTEND_HINT}`,
  };
}

/** The Jupyter front-end installed: `jupyter lab`, else `jupyter notebook`, else undefined. */
export async function jupyterFrontEnd(): Promise<"lab" | "notebook" | undefined> {
  for (const name of ["lab", "notebook"] as const) {
    if (await commandWorks(`jupyter-${name}`, ["--version"])) return name;
  }
  return undefined;
}

function kernelRegistered(): boolean {
  const home = Deno.env.get("HOME") ?? "";
  const dirs = [
    Deno.env.get("JUPYTER_DATA_DIR"),
    join(home, ".local/share/jupyter"),
    join(home, "Library/Jupyter"),
    Deno.env.get("APPDATA") ? join(Deno.env.get("APPDATA")!, "jupyter") : undefined,
    "/usr/local/share/jupyter",
    "/usr/share/jupyter",
  ].filter((d): d is string => !!d);
  return dirs.some((d) => existsSync(join(d, "kernels", "deno", "kernel.json")));
}

async function commandWorks(cmd: string, args: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output();
    return out.success;
  } catch {
    return false;
  }
}
