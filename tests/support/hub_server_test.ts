import assert from "node:assert/strict";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { defaultHubMirrorDir, FIXTURE_HUB_DIR, startHubServer } from "./hub_server.ts";
import { STANDINS } from "./mirror.ts";
import { extendedTest, MIRROR } from "./extended.ts";

const MINI = STANDINS.mini;
const TINY = STANDINS.tiny;
const CONFIG = `/${MINI}/resolve/main/config.json`;
const size = async (path: string) =>
  String((await Deno.stat(join(defaultHubMirrorDir(), path))).size);

Deno.test("the default mirror is shared/hub beside the project root, else the fixture hub", async () => {
  const shared = join(new URL("../../..", import.meta.url).pathname, "shared", "hub");
  const expected = existsSync(shared) ? shared : FIXTURE_HUB_DIR;
  if (!Deno.env.get("HUB_MIRROR_DIR")) assert.equal(defaultHubMirrorDir(), expected);
  assert.ok((await Deno.stat(join(defaultHubMirrorDir(), "README.md"))).isFile);
});

extendedTest(
  "GET and HEAD serve mirror files with Content-Length; 404 for missing files",
  MIRROR,
  async () => {
    const server = await startHubServer();
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const mirror = await Deno.readFile(join(server.root, CONFIG));
      const get = await fetch(server.url + CONFIG);
      assert.equal(get.status, 200);
      assert.equal(get.headers.get("content-length"), String(mirror.byteLength));
      assert.deepEqual(new Uint8Array(await get.arrayBuffer()), mirror);
      const head = await fetch(
        server.url + `/${MINI}/resolve/main/onnx/model.onnx`,
        {
          method: "HEAD",
        },
      );
      assert.equal(head.status, 200);
      assert.equal(
        head.headers.get("content-length"),
        await size(`${MINI}/resolve/main/onnx/model.onnx`),
      );
      const missing = await fetch(
        server.url + `/${MINI}/resolve/main/nope.bin`,
      );
      assert.equal(missing.status, 404);
      await missing.body?.cancel();
      const folder = await fetch(
        server.url + `/${MINI}/resolve/main/onnx`,
      );
      assert.equal(folder.status, 404);
      await folder.body?.cancel();
      const post = await fetch(server.url + CONFIG, { method: "POST" });
      assert.equal(post.status, 405);
      await post.body?.cancel();
      assert.deepEqual(server.requests.slice(0, 2), [
        `GET ${CONFIG}`,
        "HEAD /standin/distilbert-mini-uncased-mrpc/resolve/main/onnx/model.onnx",
      ]);
    } finally {
      await server.close();
    }
  },
);

Deno.test("path traversal is refused", async () => {
  const server = await startHubServer();
  try {
    for (
      const path of [
        "/..%2F..%2Fetc/passwd",
        "/standin/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
        "/a%5C..%5Cb",
        "//etc/passwd",
      ]
    ) {
      const response = await fetch(server.url + path);
      const body = await response.text();
      assert.ok(response.status === 400 || response.status === 404, `${path}: ${response.status}`);
      assert.ok(!body.includes("root:"), path);
    }
  } finally {
    await server.close();
  }
});

Deno.test("symlinks leading out of the root are not followed", async () => {
  const root = await Deno.makeTempDir();
  const outside = await Deno.makeTempDir();
  await Deno.writeTextFile(join(outside, "secret.txt"), "secret");
  await Deno.writeTextFile(join(root, "inside.txt"), "inside");
  await Deno.symlink(outside, join(root, "link"));
  const server = await startHubServer({ root });
  try {
    const inside = await fetch(`${server.url}/inside.txt`);
    assert.equal(await inside.text(), "inside");
    const escaped = await fetch(`${server.url}/link/secret.txt`);
    assert.equal(escaped.status, 404);
    assert.ok(!(await escaped.text()).includes("secret"));
  } finally {
    await server.close();
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("faults: 401, token required, injected status, redirect, cut and stalled bodies", async () => {
  const server = await startHubServer({
    faults: {
      unauthorized: (path) => path.includes("/tokenizer.json"),
      failStatus: (path) => path.endsWith("/vocab.txt") ? 502 : undefined,
      redirect: (path) => path.endsWith("/alias.json") ? CONFIG : undefined,
      cutAfterBytes: 1_000,
      cutPaths: (path) => path.endsWith("/model.safetensors"),
      stallAfterBytes: 2_000,
      stallPaths: (path) => path.endsWith("/pytorch_model.bin"),
    },
  });
  try {
    const unauthorized = await fetch(
      server.url + `/${MINI}/resolve/main/tokenizer.json`,
    );
    assert.equal(unauthorized.status, 401);
    await unauthorized.body?.cancel();
    const failing = await fetch(
      server.url + `/${MINI}/resolve/main/vocab.txt`,
    );
    assert.equal(failing.status, 502);
    await failing.body?.cancel();
    const redirected = await fetch(server.url + "/x/alias.json", { redirect: "manual" });
    assert.equal(redirected.status, 302);
    assert.equal(redirected.headers.get("location"), CONFIG);
    await redirected.body?.cancel();

    const cut = await fetch(
      server.url + `/${MINI}/resolve/main/model.safetensors`,
    );
    assert.equal(
      cut.headers.get("content-length"),
      await size(`${MINI}/resolve/main/model.safetensors`),
    );
    let received = 0;
    await assert.rejects(async () => {
      for await (const chunk of cut.body!) received += chunk.byteLength;
    });
    assert.equal(received, 1_000);

    const stalled = await fetch(
      server.url + `/${TINY}/resolve/main/pytorch_model.bin`,
    );
    const reader = stalled.body!.getReader();
    const first = await reader.read();
    assert.equal(first.value?.byteLength, 2_000);
    const rest = reader.read();
    const closing = server.close();
    await assert.rejects(rest);
    await closing;
  } finally {
    await server.close();
  }
});

Deno.test("requireToken answers 401 without the right Bearer token and logs the header", async () => {
  const server = await startHubServer({ faults: { requireToken: "hf_x" } });
  try {
    const without = await fetch(server.url + CONFIG);
    assert.equal(without.status, 401);
    await without.body?.cancel();
    const withToken = await fetch(server.url + CONFIG, {
      headers: { authorization: "Bearer hf_x" },
    });
    assert.equal(withToken.status, 200);
    await withToken.body?.cancel();
    assert.deepEqual(server.log.map((r) => r.authorization), [null, "Bearer hf_x"]);
  } finally {
    await server.close();
  }
});

Deno.test("a missing mirror folder is reported with the fix", async () => {
  await assert.rejects(startHubServer({ root: "/nonexistent/hub" }), /HUB_MIRROR_DIR/);
});
