import { debugEnabled } from "../settings/mod.ts";

/**
 * Runs a command-line task: its errors are printed as `error: Name: message` (the kit's messages
 * say what to do, a stack trace would hide that) and the process exits with status 1. Set
 * `WORKSHOP_DEBUG=1` for the stack.
 *
 * @example
 * ```ts ignore
 * await runCli(async () => { await runDemo(); });
 * ```
 */
export async function runCli(task: () => Promise<void>): Promise<void> {
  try {
    await task();
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    console.error(`error: ${e.name}: ${e.message}`);
    if (debugEnabled()) console.error(e.stack);
    Deno.exit(1);
  }
}
