/**
 * Test helper: a hub server on the mirror plus an empty temporary cache, torn down after the test.
 *
 * @module
 */
import type { HubSettings } from "../../lib/hub/settings.ts";
import { type HubServer, type HubServerOptions, startHubServer } from "./hub_server.ts";

/** What {@link withHub} hands its body. */
export interface HubContext {
  server: HubServer;
  /** Settings pointing the kit at the server and the cache (online, no token). */
  settings: HubSettings;
  cacheDir: string;
}

/**
 * Runs `body` with a hub server and an empty temporary cache folder, both removed afterwards
 * (also when `body` throws).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withHub } from "./with_hub.ts";
 * await withHub({}, async ({ server, settings }) => {
 *   assert.equal(settings.endpoint, server.url);
 *   assert.equal(settings.offline, false);
 * });
 * ```
 */
export async function withHub(
  options: HubServerOptions,
  body: (context: HubContext) => Promise<void>,
): Promise<void> {
  const cacheDir = await Deno.makeTempDir({ prefix: "hub-cache-" });
  const server = await startHubServer(options);
  try {
    await body({ server, cacheDir, settings: { endpoint: server.url, offline: false, cacheDir } });
  } finally {
    await server.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
}
