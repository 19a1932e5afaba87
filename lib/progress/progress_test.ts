import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { barProgress } from "./bar.ts";
import { formatBytes, formatDuration } from "./format.ts";
import { plainProgress } from "./plain.ts";
import { progressMode, progressReporter } from "./progress.ts";

function recorder() {
  const lines: string[] = [];
  let clock = 0;
  return {
    lines,
    advance(ms: number) {
      clock += ms;
    },
    options: { write: (line: string) => lines.push(line), now: () => clock },
  };
}

Deno.test("formatBytes and formatDuration give hub-style sizes and short durations", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(999), "999 B");
  assert.equal(formatBytes(1_000), "1.00 kB");
  assert.equal(formatBytes(8_368_216), "8.37 MB");
  assert.equal(formatBytes(44_690_728), "44.7 MB");
  assert.equal(formatBytes(268_000_000), "268 MB");
  assert.equal(formatBytes(1.5e12), "1.50 TB");
  assert.equal(formatDuration(0), "0.0 s");
  assert.equal(formatDuration(59_940), "59.9 s");
  assert.equal(formatDuration(3_600_000 + 120_000), "1 h 02 min");
});

Deno.test("plain progress writes one line per 10% when the work is slow", () => {
  const r = recorder();
  const progress = plainProgress({ label: "f", total: 1_000, unit: "B", ...r.options });
  for (let i = 0; i < 100; i++) {
    r.advance(500); // 100 ticks of 10 B every 0.5 s: 50 s in all, 5 s per 10%
    progress.tick(10);
  }
  progress.done();
  assert.equal(r.lines.length, 11); // start, 10% … 90%, done
  assert.deepEqual(r.lines.slice(1, 10).map((line) => line.split(" ")[1]), [
    "10%",
    "20%",
    "30%",
    "40%",
    "50%",
    "60%",
    "70%",
    "80%",
    "90%",
  ]);
  assert.equal(r.lines[5], "f: 50% (500 B / 1.00 kB), 20 B/s");
  assert.equal(r.lines[10], "f: done, 1.00 kB in 50.0 s (20 B/s)");
});

Deno.test("plain progress writes at most one line every 2 s: fast work gives start and end only", () => {
  const r = recorder();
  const progress = plainProgress({ label: "fast", total: 100, ...r.options });
  for (let i = 0; i < 100; i++) {
    r.advance(10); // 1 s in all
    progress.tick();
  }
  progress.done();
  assert.deepEqual(r.lines, ["fast: started, 100", "fast: done, 100 in 1.0 s"]);
});

Deno.test("plain progress with no total writes a heartbeat every 10 s", () => {
  const r = recorder();
  const progress = plainProgress({ label: "train", unit: "steps", ...r.options });
  for (let step = 1; step <= 60; step++) {
    r.advance(1_000);
    progress.update(step);
  }
  progress.done();
  assert.equal(r.lines.length, 8); // start, 6 heartbeats (10 s … 60 s), done
  assert.equal(r.lines[1], "train: 10 steps, 1 steps/s");
  assert.equal(r.lines[7], "train: done, 60 steps in 1 min 00 s");
});

Deno.test("plain progress names the error on fail and ignores calls after the end", () => {
  const r = recorder();
  const progress = plainProgress({ label: "g", total: 4_000, unit: "B", ...r.options });
  r.advance(1_500);
  progress.tick(1_000);
  progress.fail(new Error("connection reset"));
  progress.tick(3_000);
  progress.done();
  progress.fail();
  assert.deepEqual(r.lines, [
    "g: started, 4.00 kB",
    "g: failed at 25% (1.00 kB / 4.00 kB) after 1.5 s: connection reset",
  ]);
});

Deno.test("bar progress draws a cli-progress bar with human sizes on a terminal stream", () => {
  let output = "";
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      output += String(chunk);
      callback();
    },
  });
  Object.assign(stream, { isTTY: true, columns: 120 });
  const progress = barProgress({
    label: "model.onnx",
    total: 2_000_000,
    unit: "B",
    stream: stream as unknown as NodeJS.WritableStream,
  });
  progress.tick(500_000);
  progress.update(2_000_000);
  progress.done();
  progress.tick(1); // ignored after done
  assert.match(output, /model\.onnx \[[█░]{30}\] 100% \| 2\.00 MB \/ 2\.00 MB/);
  assert.ok(!output.includes("NaN"));
});

Deno.test("progressMode: WORKSHOP_PROGRESS forces a mode, else terminal → bar, other → plain", () => {
  const env = (value: string | undefined) => (name: string) =>
    name === "WORKSHOP_PROGRESS" ? value : undefined;
  for (const value of ["0", "false", "off", "no", " OFF "]) {
    assert.equal(progressMode({ env: env(value), isTerminal: true }), "silent", value);
  }
  assert.equal(progressMode({ env: env("plain"), isTerminal: true }), "plain");
  assert.equal(progressMode({ env: env("bar"), isTerminal: false }), "bar");
  assert.equal(progressMode({ env: env(undefined), isTerminal: true }), "bar");
  assert.equal(progressMode({ env: env("1"), isTerminal: false }), "plain");
});

async function runWithProgressEnv(value: string): Promise<{ code: number; stderr: string }> {
  const code = `
    import { createProgress } from ${
    JSON.stringify(new URL("./progress.ts", import.meta.url).href)
  };
    const progress = createProgress({ label: "job", total: 10, unit: "B" });
    progress.tick(10);
    progress.done();
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    cwd: new URL("../..", import.meta.url),
    env: { WORKSHOP_PROGRESS: value, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

Deno.test("createProgress prints nothing with WORKSHOP_PROGRESS=0 and plain lines on stderr otherwise", async () => {
  const silent = await runWithProgressEnv("0");
  assert.equal(silent.code, 0, silent.stderr);
  assert.equal(silent.stderr, "");
  const plain = await runWithProgressEnv("plain");
  assert.equal(plain.code, 0, plain.stderr);
  const lines = plain.stderr.trim().split("\n");
  assert.equal(lines.length, 2, plain.stderr);
  assert.equal(lines[0], "job: started, 10 B");
  assert.match(lines[1], /^job: done, 10 B in \d+\.\d s/);
});

Deno.test("progressReporter: false is silent, a factory receives the options", () => {
  const received: unknown[] = [];
  const reporter = progressReporter((options) => {
    received.push(options);
    return { tick() {}, update() {}, done() {}, fail() {} };
  }, { label: "x", total: 3, unit: "B" });
  reporter.done();
  assert.deepEqual(received, [{ label: "x", total: 3, unit: "B" }]);
  const silent = progressReporter(false, { label: "y" });
  silent.tick();
  silent.done();
});
