/**
 * Runs a `deno task` of this project in a child process, as a user would, with extra environment.
 *
 * @module
 */
import { PROJECT_ROOT } from "./mirror.ts";

/** What a task printed and how it ended. */
export interface TaskResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno task <name> <args>` in the project root with `env` added to this process's. */
export async function runTask(
  name: string,
  options: { args?: string[]; env?: Record<string, string> } = {},
): Promise<TaskResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", name, ...(options.args ?? [])],
    cwd: PROJECT_ROOT,
    env: { WORKSHOP_PROGRESS: "plain", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}
