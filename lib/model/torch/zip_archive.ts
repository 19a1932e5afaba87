/**
 * A zip archive read entry by entry from its central directory (zip64 included): only the
 * entries asked for are inflated, each is checked against its CRC-32, and inflation stops at the
 * entry's declared size, so a damaged file is caught and a zip bomb cannot take the memory.
 *
 * @module
 */
import { Inflate } from "fflate";
import { TorchCheckpointError } from "./errors.ts";

/** One entry of the central directory. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflated. */
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32 (the zip and gzip checksum) of `bytes`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crc32 } from "./zip_archive.ts";
 * assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
 * ```
 */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const DAMAGED = "the file is truncated or corrupt: download it again";

/** Deflate cannot expand more than about 1032:1; a larger declared size is a lie. */
const MAX_DEFLATE_RATIO = 1032;

/** The entries of a zip archive, read on demand. */
export class ZipArchive {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #entries = new Map<string, ZipEntry>();

  /** Reads the central directory of `bytes`; `source` names the file in errors. */
  constructor(bytes: Uint8Array, readonly source: string) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#readDirectory();
  }

  #fail(message: string): never {
    throw new TorchCheckpointError(`${this.source}: ${message}`);
  }

  #u16(at: number): number {
    return this.#view.getUint16(at, true);
  }

  #u32(at: number): number {
    return this.#view.getUint32(at, true);
  }

  #u64(at: number): number {
    const value = this.#view.getBigUint64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      this.#fail(`a zip64 field is too large; ${DAMAGED}`);
    }
    return Number(value);
  }

  #readDirectory(): void {
    const bytes = this.#bytes;
    let eocd = -1;
    for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65_557); i--) {
      if (this.#u32(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) {
      this.#fail(`not a readable zip archive (no end of central directory); ${DAMAGED}`);
    }
    let count = this.#u16(eocd + 10);
    let offset = this.#u32(eocd + 16);
    const locator = eocd - 20;
    if (locator >= 0 && this.#u32(locator) === 0x07064b50) {
      const record = this.#u64(locator + 8);
      if (record + 56 > bytes.length || this.#u32(record) !== 0x06064b50) {
        this.#fail(`its zip64 end record is missing; ${DAMAGED}`);
      }
      count = this.#u64(record + 32);
      offset = this.#u64(record + 48);
    }
    for (let i = 0; i < count; i++) {
      if (offset + 46 > bytes.length || this.#u32(offset) !== 0x02014b50) {
        this.#fail(`central directory entry ${i} of ${count} is damaged; ${DAMAGED}`);
      }
      const nameLength = this.#u16(offset + 28);
      const extraLength = this.#u16(offset + 30);
      const commentLength = this.#u16(offset + 32);
      const name = new TextDecoder().decode(bytes.subarray(offset + 46, offset + 46 + nameLength));
      const entry: ZipEntry = {
        name,
        method: this.#u16(offset + 10),
        crc32: this.#u32(offset + 16),
        compressedSize: this.#u32(offset + 20),
        size: this.#u32(offset + 24),
        localHeaderOffset: this.#u32(offset + 42),
      };
      this.#applyZip64(entry, offset + 46 + nameLength, extraLength);
      this.#entries.set(name, entry);
      offset += 46 + nameLength + extraLength + commentLength;
    }
  }

  /** Replaces 0xFFFFFFFF sizes and offsets with the zip64 extra field's values. */
  #applyZip64(entry: ZipEntry, start: number, length: number): void {
    const FULL = 0xffffffff;
    if (entry.size !== FULL && entry.compressedSize !== FULL && entry.localHeaderOffset !== FULL) {
      return;
    }
    for (let at = start; at + 4 <= start + length;) {
      const id = this.#u16(at);
      const size = this.#u16(at + 2);
      if (id === 0x0001) {
        let field = at + 4;
        if (entry.size === FULL) (entry.size = this.#u64(field), field += 8);
        if (entry.compressedSize === FULL) (entry.compressedSize = this.#u64(field), field += 8);
        if (entry.localHeaderOffset === FULL) entry.localHeaderOffset = this.#u64(field);
        return;
      }
      at += 4 + size;
    }
    this.#fail(`entry ${entry.name} lacks its zip64 sizes; ${DAMAGED}`);
  }

  /** Every entry name, in directory order. */
  names(): string[] {
    return [...this.#entries.keys()];
  }

  /** Whether the archive has an entry called `name`. */
  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /** The entry's declared metadata, or `undefined`. */
  entry(name: string): ZipEntry | undefined {
    return this.#entries.get(name);
  }

  /**
   * The bytes of entry `name` in a buffer of their own, inflated when deflated, checked against
   * the CRC-32 and the declared size (inflation stops as soon as it passes the declared size).
   */
  read(name: string): Uint8Array {
    const entry = this.#entries.get(name);
    if (!entry) this.#fail(`entry ${name} is missing from the archive; ${DAMAGED}`);
    const header = entry.localHeaderOffset;
    if (header + 30 > this.#bytes.length || this.#u32(header) !== 0x04034b50) {
      this.#fail(`the local header of entry ${name} is damaged; ${DAMAGED}`);
    }
    const start = header + 30 + this.#u16(header + 26) + this.#u16(header + 28);
    const end = start + entry.compressedSize;
    if (end > this.#bytes.length) {
      this.#fail(
        `entry ${name} needs bytes up to ${end}, the file has ${this.#bytes.length}; ${DAMAGED}`,
      );
    }
    const stored = this.#bytes.subarray(start, end);
    let data: Uint8Array;
    if (entry.method === 0) {
      if (entry.compressedSize !== entry.size) {
        this.#fail(
          `stored entry ${name} declares ${entry.size} bytes but holds ${entry.compressedSize}; ${DAMAGED}`,
        );
      }
      data = stored.slice();
    } else if (entry.method === 8) data = this.#inflate(entry, stored);
    else {this.#fail(
        `entry ${name} uses zip compression method ${entry.method} (only stored and deflated are read)`,
      );}
    const actual = crc32(data);
    if (actual !== entry.crc32) {
      this.#fail(
        `entry ${name} fails its CRC-32 check (recorded ${hex(entry.crc32)}, computed ` +
          `${hex(actual)}); ${DAMAGED}`,
      );
    }
    return data;
  }

  #inflate(entry: ZipEntry, compressed: Uint8Array): Uint8Array {
    if (entry.size > compressed.length * MAX_DEFLATE_RATIO + 1024) {
      this.#fail(
        `entry ${entry.name} declares ${entry.size} bytes, more than its ${compressed.length} ` +
          `compressed bytes can inflate to; ${DAMAGED}`,
      );
    }
    const out = new Uint8Array(entry.size);
    let filled = 0;
    const inflater = new Inflate((chunk) => {
      if (filled + chunk.length > out.length) {
        this.#fail(
          `entry ${entry.name} inflates past its declared ${entry.size} bytes (a zip bomb or a ` +
            `damaged archive); ${DAMAGED}`,
        );
      }
      out.set(chunk, filled);
      filled += chunk.length;
    });
    const STEP = 16_384; // bounds what one push can inflate to (≈ 16 MB)
    try {
      for (let at = 0; at < compressed.length; at += STEP) {
        inflater.push(compressed.subarray(at, at + STEP), at + STEP >= compressed.length);
      }
      if (compressed.length === 0) inflater.push(new Uint8Array(0), true);
    } catch (error) {
      if (error instanceof TorchCheckpointError) throw error;
      this.#fail(
        `entry ${entry.name} cannot be inflated (${(error as Error).message}); ${DAMAGED}`,
      );
    }
    if (filled !== entry.size) {
      this.#fail(
        `entry ${entry.name} inflates to ${filled} of its declared ${entry.size} bytes; ${DAMAGED}`,
      );
    }
    return out;
  }
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, "0")}`;
}
