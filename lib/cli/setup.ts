/**
 * `deno task setup`: registers Deno's Jupyter kernel and says how to get Jupyter when it is
 * missing. npm packages are installed by Deno itself on first use (`nodeModulesDir: auto`).
 *
 * @module
 */
import { ensureJupyterKernel } from "../notebook/mod.ts";

if (import.meta.main) {
  const status = await ensureJupyterKernel();
  console.log(status.message);
}
