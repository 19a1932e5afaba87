/**
 * Child process of the output fault tests: writes folder `Deno.args[0]` with `writeDirAtomic`,
 * prints `building <temporary folder>` once a file is in it, then waits (up to 60 s) for the
 * signal the test sends.
 *
 * @module
 */
import { writeDirAtomic } from "../../lib/fs/mod.ts";

if (import.meta.main) {
  await writeDirAtomic(Deno.args[0], async (tmp) => {
    await Deno.writeTextFile(`${tmp}/a.txt`, "new");
    console.log(`building ${tmp}`);
    await new Promise((resolve) => setTimeout(resolve, 60_000));
  });
}
