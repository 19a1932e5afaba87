/**
 * The *extended* tests: those that need something a fresh clone does not have — the full hub
 * mirror (`../shared/hub`: trained stand-ins, their PyTorch reference logits, all of MRPC),
 * Jupyter, headless Chromium, or Debian's ONNX backend test data. Without it they are reported as ignored, with the
 * reason and the fix in the test's name; with `WORKSHOP_REQUIRE_EXTENDED=1` (set by `.ci/run`)
 * they fail instead, so CI never silently stops testing them.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { defaultHubMirrorDir } from "./hub_server.ts";

/** Something extended tests need. */
export interface Requirement {
  /** What is missing, e.g. "the full hub mirror". */
  what: string;
  /** Whether it is there. */
  available: boolean;
  /** How to get it. */
  fix: string;
}

/** Whether the hub the tests use is the full mirror (with the stand-ins), not the fixture hub. */
export function hasFullMirror(): boolean {
  return existsSync(
    join(defaultHubMirrorDir(), "standin", "distilbert-mini-uncased-mrpc", "resolve", "main"),
  );
}

function onPath(command: string): boolean {
  const path = Deno.env.get("PATH") ?? "";
  return path.split(":").some((dir) => dir !== "" && existsSync(join(dir, command)));
}

/** The full hub mirror and MRPC's GLUE TSVs (CI's `../shared`). */
export const MIRROR: Requirement = {
  what: "the full hub mirror (trained stand-ins, PyTorch reference logits, all of MRPC)",
  available: hasFullMirror(),
  fix: "put it at ../shared/hub (TSVs at ../shared/data/mrpc) or set HUB_MIRROR_DIR",
};

/** `jupyter nbconvert` with Deno's kernel. */
export const JUPYTER: Requirement = {
  what: "Jupyter (jupyter-nbconvert)",
  available: onPath("jupyter") && onPath("jupyter-nbconvert"),
  fix: "apt-get install jupyter-nbconvert python3-nbclient (or pip install jupyterlab), " +
    "then deno task setup",
};

/** ONNX's backend node tests as Debian packages them. */
export const ONNX_TESTDATA: Requirement = {
  what: "ONNX's backend test data (/usr/share/libonnx-testdata)",
  available: existsSync("/usr/share/libonnx-testdata/data/node"),
  fix: "apt-get install libonnx-testdata",
};

/** Headless Chromium (Debian's `chromium`), to check that pages and notebooks render. */
export const CHROMIUM: Requirement = {
  what: "headless Chromium (chromium)",
  available: onPath("chromium"),
  fix: "apt install chromium",
};

/**
 * The first requirement of `needs` that is missing, if any.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { missingRequirement, skipNote } from "./extended.ts";
 * const unicorn = { what: "a unicorn", available: false, fix: "wait" };
 * const here = { what: "a horse", available: true, fix: "" };
 * assert.equal(missingRequirement([here, unicorn]), unicorn);
 * assert.equal(skipNote(unicorn), "[extended, skipped: needs a unicorn; wait]");
 * ```
 */
export function missingRequirement(needs: Requirement | Requirement[]): Requirement | undefined {
  return [needs].flat().find((need) => !need.available);
}

/** What a skipped extended test's name says: the reason and the fix, on one line. */
export function skipNote(need: Requirement): string {
  return `[extended, skipped: needs ${need.what}; ${need.fix}]`;
}

/** True when missing requirements must fail the tests (CI: `WORKSHOP_REQUIRE_EXTENDED=1`). */
export function extendedRequired(): boolean {
  return Deno.env.get("WORKSHOP_REQUIRE_EXTENDED") === "1";
}

/**
 * Registers an extended test: `Deno.test(name, fn)` when `needs` are all there; otherwise an
 * ignored test whose name ends with {@link skipNote}, or — under `WORKSHOP_REQUIRE_EXTENDED=1` —
 * a test that fails naming what is missing.
 *
 * @example
 * ```ts ignore
 * import { extendedTest, MIRROR } from "./extended.ts";
 * extendedTest("the stand-in's accuracy", MIRROR, () => {});
 * ```
 */
export function extendedTest(
  name: string,
  needs: Requirement | Requirement[],
  fn: (t: Deno.TestContext) => void | Promise<void>,
): void {
  const missing = missingRequirement(needs);
  if (!missing) {
    Deno.test(name, fn);
  } else if (extendedRequired()) {
    Deno.test(name, () => {
      throw new Error(
        `${name}: needs ${missing.what}, which is missing, and WORKSHOP_REQUIRE_EXTENDED=1 ` +
          `forbids skipping it: ${missing.fix}`,
      );
    });
  } else {
    Deno.test({ name: `${name} ${skipNote(missing)}`, ignore: true, fn });
  }
}

/**
 * Runs `fn` as a step of `t` when `needs` are all there; otherwise an ignored step named with
 * {@link skipNote}, or — under `WORKSHOP_REQUIRE_EXTENDED=1` — a step that fails naming what is
 * missing. For a check that adds to a test whose own requirements are met (e.g. rendering the
 * notebook a test just executed).
 *
 * @example
 * ```ts ignore
 * import { CHROMIUM, extendedStep } from "./extended.ts";
 * Deno.test("notebook", async (t) => {
 *   await extendedStep(t, "renders in Chromium", CHROMIUM, async () => {});
 * });
 * ```
 */
export async function extendedStep(
  t: Deno.TestContext,
  name: string,
  needs: Requirement | Requirement[],
  fn: (t: Deno.TestContext) => void | Promise<void>,
): Promise<void> {
  const missing = missingRequirement(needs);
  if (!missing) {
    await t.step(name, fn);
  } else if (extendedRequired()) {
    await t.step(name, () => {
      throw new Error(
        `${name}: needs ${missing.what}, which is missing, and WORKSHOP_REQUIRE_EXTENDED=1 ` +
          `forbids skipping it: ${missing.fix}`,
      );
    });
  } else {
    await t.step({ name: `${name} ${skipNote(missing)}`, ignore: true, fn });
  }
}
