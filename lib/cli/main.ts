import { debugEnabled } from "../settings/mod.ts";

/**
 * Exit statuses of the `deno task` commands (README, "Exit codes"): 0 done; 1 an error (the
 * message names the thing and the fix); {@link EXIT_CRITERION_MISSED} a tuning run finished but no
 * configuration met its accuracy criterion (the best model and the report are still written);
 * 130 and 143 stopped by SIGINT and SIGTERM (partial output removed, the previous one intact).
 */
export const EXIT_ERROR = 1;
/** `deno task quantize --tune` found no configuration that meets the criterion. */
export const EXIT_CRITERION_MISSED = 3;

/**
 * Runs a command-line task: its errors are printed as `error: Name: message` (the kit's messages
 * say what to do, a stack trace would hide that) and the process exits with status 1. A task that
 * returns a number exits with it (e.g. {@link EXIT_CRITERION_MISSED}). Set `WORKSHOP_DEBUG=1` for
 * the stack.
 *
 * @example
 * ```ts ignore
 * await runCli(async () => { await runDemo(); });
 * ```
 */
export async function runCli(task: () => Promise<void | number>): Promise<void> {
  let status: void | number;
  try {
    status = await task();
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    console.error(`error: ${e.name}: ${e.message}`);
    if (debugEnabled()) console.error(e.stack);
    Deno.exit(EXIT_ERROR);
  }
  if (typeof status === "number" && status !== 0) Deno.exit(status);
}
