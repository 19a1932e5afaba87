/**
 * Soak test of whole-run atomicity: 20 runs of `deno task quantize` (quick profile, the fixture
 * hub's tiny model, one shared cache, `--out DIR` holding an earlier run of another
 * configuration) killed at seeded random points with SIGINT, SIGTERM and SIGKILL, then one clean
 * run. After every kill `DIR` holds one whole run — the previous or the new one — (or, killed
 * between the swap's two renames, only `DIR.old-…` holding the previous, which the next run
 * renames back), and no `.tmp-` name is inside it. The clean run succeeds, and its folder and the
 * cache are byte-identical to those of an uninterrupted run with its own cache.
 *
 * The task's command (`deno.json`) is run directly, not through `deno task`, so the signal reaches
 * the process that does the work (a SIGKILL of `deno task` would orphan its child). Kill times are
 * drawn from the measured duration of the uninterrupted run; every child is SIGKILLed after 60 s
 * and the loop stops early past a time budget, so the test ends by itself.
 *
 * @module
 */
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { mulberry32 } from "../../lib/random/mod.ts";
import { FIXTURE_HUB_DIR, startHubServer } from "../support/hub_server.ts";
import { PROJECT_ROOT } from "../support/mirror.ts";
import { hashes, runHashes, siblings } from "./_support.ts";

const RUNS = 20;
const SEED = 11;
const BUDGET_MS = 150_000;
const CHILD_TIMEOUT_MS = 60_000;
const SIGNALS = ["SIGINT", "SIGTERM", "SIGKILL"] as const;
const ARGS = ["--model", "fixture/distilbert-tiny-mrpc", "--approach", "static", "--samples", "16"];

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The quantize task's command line from deno.json, e.g. `["run", "-A", "lib/cli/quantize.ts"]`. */
async function taskArgs(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(join(PROJECT_ROOT, "deno.json")));
  const [deno, ...args] = (config.tasks.quantize as string).split(/\s+/);
  assert.equal(deno, "deno");
  return args;
}

interface Child {
  process: Deno.ChildProcess;
  output: Promise<string>;
}

function spawn(args: string[], env: Record<string, string>): Child {
  const process = new Deno.Command(Deno.execPath(), {
    args,
    cwd: PROJECT_ROOT,
    env: { WORKSHOP_PROGRESS: "plain", WORKSHOP_QUICK: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const decode = async (stream: ReadableStream<Uint8Array>) =>
    new TextDecoder().decode(await new Response(stream).arrayBuffer());
  const output = Promise.all([decode(process.stdout), decode(process.stderr)]).then((
    [out, err],
  ) => out + err);
  return { process, output };
}

async function finish(child: Child): Promise<{ status: Deno.CommandStatus; output: string }> {
  const guard = setTimeout(() => child.process.kill("SIGKILL"), CHILD_TIMEOUT_MS);
  try {
    const status = await child.process.status;
    return { status, output: await child.output };
  } finally {
    clearTimeout(guard);
  }
}

Deno.test("soak: 20 quantize runs killed at random points (SIGINT, SIGTERM, SIGKILL) never leave a mixed folder; a clean run then matches an uninterrupted one (files byte for byte, reports by their figures)", async () => {
  const started = Date.now();
  const parent = await Deno.makeTempDir({ prefix: "soak-" });
  const server = await startHubServer({ root: FIXTURE_HUB_DIR });
  const command = await taskArgs();
  const env = (cache: string) => ({ HF_ENDPOINT: server.url, HF_HUB_CACHE: join(parent, cache) });
  try {
    // The uninterrupted run, with its own cache: what the clean run must reproduce.
    const reference = join(parent, "reference");
    const ref = await finish(spawn([...command, ...ARGS, "--out", reference], env("cache-ref")));
    assert.equal(ref.status.code, 0, ref.output);
    const NEW = await runHashes(reference);
    // How long a run with a warm cache takes: the range kill times are drawn from.
    const t0 = performance.now();
    const warm = await finish(
      spawn([...command, ...ARGS, "--out", join(parent, "warm")], env("cache-ref")),
    );
    const runMs = performance.now() - t0;
    assert.equal(warm.status.code, 0, warm.output);
    assert.deepEqual(await runHashes(join(parent, "warm")), NEW, "runs are deterministic");
    // DIR holds an earlier run of another configuration (dynamic), made with a third cache.
    const dir = join(parent, "out");
    const prev = await finish(
      spawn([...command, ...ARGS.slice(0, 3), "dynamic", "--out", dir], env("cache-prev")),
    );
    assert.equal(prev.status.code, 0, prev.output);
    const PREVIOUS = await runHashes(dir);
    assert.notDeepEqual(PREVIOUS, NEW);
    const previousCopy = join(parent, "previous-copy");
    await new Deno.Command("cp", { args: ["-a", dir, previousCopy] }).output();

    const random = mulberry32(SEED);
    const seen: Record<string, number> = {};
    let runs = 0;
    for (; runs < RUNS && Date.now() - started < BUDGET_MS; runs++) {
      const signal = SIGNALS[runs % SIGNALS.length];
      // Start each run from the earlier run of the other configuration, so "whole" is checkable.
      if (
        !(await exists(dir)) || JSON.stringify(await runHashes(dir)) !== JSON.stringify(PREVIOUS)
      ) {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
        for (const old of await siblings(dir, ".old-")) {
          await Deno.remove(join(parent, old), { recursive: true });
        }
        await new Deno.Command("cp", { args: ["-a", previousCopy, dir] }).output();
      }
      const delay = Math.round((0.25 + 0.8 * random()) * runMs);
      const child = spawn([...command, ...ARGS, "--out", dir], env("cache"));
      const timer = setTimeout(() => {
        try {
          child.process.kill(signal);
        } catch {
          // already ended
        }
      }, delay);
      const { status, output } = await finish(child);
      clearTimeout(timer);
      const where = `run ${runs} (${signal} after ${delay} ms of ~${Math.round(runMs)}): ` +
        `code ${status.code}, signal ${status.signal}\n${output}`;
      // How it ended: done, or stopped by the signal (handled: 130/143; or not yet handled).
      assert.ok(
        status.code === 0 || status.signal === signal ||
          (signal === "SIGINT" && status.code === 130) ||
          (signal === "SIGTERM" && status.code === 143),
        where,
      );
      let state: string;
      if (await exists(dir)) {
        const now = await runHashes(dir);
        state = JSON.stringify(now) === JSON.stringify(NEW)
          ? "new"
          : JSON.stringify(now) === JSON.stringify(PREVIOUS)
          ? "previous"
          : "mixed";
        assert.notEqual(state, "mixed", `${where}\n${JSON.stringify(now, null, 1)}`);
        assert.deepEqual(Object.keys(await hashes(dir, ".tmp-")), Object.keys(now), where);
      } else {
        // Only a SIGKILL between the swap's two renames leaves no DIR: the set-aside run is whole.
        assert.equal(signal, "SIGKILL", where);
        const olds = await siblings(dir, ".old-");
        assert.equal(olds.length, 1, where);
        const old = await runHashes(join(parent, olds[0]));
        assert.ok(
          JSON.stringify(old) === JSON.stringify(PREVIOUS) ||
            JSON.stringify(old) === JSON.stringify(NEW),
          where,
        );
        state = "absent, recoverable";
      }
      if (signal !== "SIGKILL") {
        const own = (await siblings(dir, ".tmp-")).filter((n) =>
          n.startsWith(`${basename(dir)}.tmp-${child.process.pid}-`)
        );
        assert.deepEqual(own, [], `${where}: a handled signal removes the temporary folder`);
      }
      seen[`${signal} → ${state}`] = (seen[`${signal} → ${state}`] ?? 0) + 1;
    }
    assert.ok(runs >= 12, `only ${runs} killed runs fitted in the time budget`);
    console.log(`${runs} killed runs in ${((Date.now() - started) / 1000).toFixed(0)} s:`, seen);

    const clean = await finish(spawn([...command, ...ARGS, "--out", dir], env("cache")));
    assert.equal(clean.status.code, 0, clean.output);
    assert.deepEqual(
      await runHashes(dir),
      NEW,
      "the clean run's folder is the uninterrupted run's",
    );
    assert.deepEqual(await siblings(dir, "."), [], "no DIR.tmp-/DIR.old- left after a clean run");
    // Downloads cut by the kills left no partial file under a final name.
    assert.deepEqual(
      await hashes(join(parent, "cache"), ".tmp-"),
      await hashes(join(parent, "cache-ref"), ".tmp-"),
    );
  } finally {
    await server.close();
    await Deno.remove(parent, { recursive: true });
  }
});
