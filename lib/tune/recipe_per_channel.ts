/**
 * Recipe dimension `perChannel`: one weight scale per output channel, or one per tensor.
 *
 * @module
 */

import { type RecipeDimension, registerRecipeDimension } from "./recipe_dimension.ts";

/**
 * The base options' choice (default per-channel) first, then the other.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { perChannelDimension } from "./recipe_per_channel.ts";
 * assert.deepEqual(perChannelDimension.values({ approach: "dynamic", quant: {} }), [true, false]);
 * assert.equal(perChannelDimension.decode(perChannelDimension.encode(false)), false);
 * ```
 */
export const perChannelDimension: RecipeDimension<boolean> = registerRecipeDimension({
  name: "perChannel",
  values({ quant }) {
    const perChannel = quant.perChannel ?? true;
    return [perChannel, !perChannel];
  },
  describe: (perChannel) => perChannel ? "per-channel" : "per-tensor",
  encode: String,
  decode: (text) => text === "true",
  apply(perChannel, target) {
    target.options.perChannel = perChannel;
  },
});
