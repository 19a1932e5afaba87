/**
 * A registry of named things (tuning strategies, sensitivity measures, recipe dimensions): one
 * file defines the thing, one call registers it, from inside or outside `lib/`.
 *
 * @module
 */

import { TuneOptionsError } from "./errors.ts";

/**
 * Name → item, in registration order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Registry } from "./registry.ts";
 * const colours = new Registry<{ name: string; hex: string }>("colour");
 * colours.register({ name: "red", hex: "#f00" }).register({ name: "blue", hex: "#00f" });
 * assert.equal(colours.get("blue").hex, "#00f");
 * assert.deepEqual(colours.names(), ["red", "blue"]);
 * assert.throws(() => colours.get("green"), /unknown colour "green"; use one of "red", "blue"/);
 * assert.throws(() => colours.register({ name: "red", hex: "" }), /"red" is already registered/);
 * ```
 */
export class Registry<T extends { readonly name: string }> {
  readonly #items = new Map<string, T>();
  /** What an item is, in messages (e.g. `"tuning strategy"`). */
  readonly kind: string;
  /** Added to the unknown-name message, e.g. how to bring your own. */
  readonly hint: string;

  constructor(kind: string, items: Iterable<T> = [], options: { hint?: string } = {}) {
    this.kind = kind;
    this.hint = options.hint ?? "";
    for (const item of items) this.register(item);
  }

  /** Adds `item`; throws a {@link TuneOptionsError} when its name is taken. */
  register(item: T): this {
    if (typeof item?.name !== "string" || item.name === "") {
      throw new TuneOptionsError(`a ${this.kind} needs a non-empty string name.`);
    }
    if (this.#items.has(item.name)) {
      throw new TuneOptionsError(`a ${this.kind} named "${item.name}" is already registered.`);
    }
    this.#items.set(item.name, item);
    return this;
  }

  /** Whether `name` is registered. */
  has(name: string): boolean {
    return this.#items.has(name);
  }

  /** The item of `name`, or a {@link TuneOptionsError} listing the registered ones. */
  get(name: string): T {
    const item = this.#items.get(name);
    if (!item) {
      const known = this.names().map((n) => `"${n}"`).join(", ");
      throw new TuneOptionsError(
        `unknown ${this.kind} "${name}"; use one of ${known}${this.hint ? ` ${this.hint}` : ""}.`,
      );
    }
    return item;
  }

  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.#items.keys()];
  }

  /** Registered items, in registration order. */
  values(): T[] {
    return [...this.#items.values()];
  }
}
