/**
 * Checks that a file's content is what its name says, without trusting the server: no HTML page
 * in place of a model file, JSON that parses, and parquet, safetensors, ONNX and zip files whose
 * structure reaches exactly to their last byte (so a body cut short is caught even when the server
 * sent no Content-Length and no hash).
 *
 * @module
 */
import { extname } from "node:path";

/** Reads `length` bytes at `position` (fewer at the end of the file). */
async function readAt(file: Deno.FsFile, position: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  await file.seek(position, Deno.SeekMode.Start);
  let filled = 0;
  while (filled < length) {
    const read = await file.read(buffer.subarray(filled));
    if (read === null) break;
    filled += read;
  }
  return buffer.subarray(0, filled);
}

const HTML_STARTS = ["<!doctype html", "<html", "<head", "<body"];

/** True when the bytes start (after a BOM and white space) like an HTML page. */
export function looksLikeHtml(head: Uint8Array): boolean {
  const text = new TextDecoder().decode(head.subarray(0, 512)).replace(/^\uFEFF/, "")
    .trimStart().toLowerCase();
  return HTML_STARTS.some((start) => text.startsWith(start));
}

function ascii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

/** Reads a protobuf varint at `offset`; `undefined` when it runs past the bytes. */
function varint(bytes: Uint8Array, offset: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = offset; i < bytes.length && i < offset + 10; i++) {
    value += (bytes[i] & 0x7f) * scale;
    scale *= 128;
    if ((bytes[i] & 0x80) === 0) return { value, next: i + 1 };
  }
  return undefined;
}

/** Walks the top-level protobuf fields of an ONNX file: each must end inside the file. */
async function onnxProblem(file: Deno.FsFile, size: number): Promise<string | undefined> {
  let position = 0;
  while (position < size) {
    const head = await readAt(file, position, 24);
    const tag = varint(head, 0);
    if (!tag || tag.value < 8) return `byte ${position} is not a protobuf field (not ONNX)`;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    let end: number;
    if (wire === 0) {
      const value = varint(head, tag.next);
      if (!value) return `field ${field} at byte ${position} is cut off`;
      end = position + value.next;
    } else if (wire === 2) {
      const length = varint(head, tag.next);
      if (!length) return `field ${field} at byte ${position} is cut off`;
      end = position + length.next + length.value;
    } else if (wire === 1) end = position + tag.next + 8;
    else if (wire === 5) end = position + tag.next + 4;
    else return `byte ${position} has protobuf wire type ${wire} (not ONNX)`;
    if (end > size) {
      return `it is truncated: field ${field} at byte ${position} needs ${end} bytes, the file ` +
        `has ${size}`;
    }
    position = end;
  }
  return undefined;
}

async function safetensorsProblem(file: Deno.FsFile, size: number): Promise<string | undefined> {
  if (size < 8) return `it has ${size} bytes, less than the 8-byte safetensors header length`;
  const lengthBytes = await readAt(file, 0, 8);
  const headerLength = Number(new DataView(lengthBytes.buffer).getBigUint64(0, true));
  if (headerLength > size - 8 || headerLength > 100_000_000) {
    return `its header length ${headerLength} does not fit in its ${size} bytes`;
  }
  let header: Record<string, { data_offsets?: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder().decode(await readAt(file, 8, headerLength)));
  } catch (error) {
    return `its header is not JSON (${(error as Error).message})`;
  }
  let end = 0;
  for (const [name, entry] of Object.entries(header)) {
    if (name !== "__metadata__") end = Math.max(end, entry?.data_offsets?.[1] ?? 0);
  }
  if (8 + headerLength + end !== size) {
    return `its tensors end at byte ${8 + headerLength + end}, the file has ${size} bytes ` +
      "(truncated or padded)";
  }
  return undefined;
}

async function zipProblem(file: Deno.FsFile, size: number): Promise<string | undefined> {
  const tail = await readAt(file, Math.max(0, size - 65_557), Math.min(size, 65_557));
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 0x05 && tail[i + 3] === 0x06) {
      return undefined;
    }
  }
  return "it is a zip archive without its end record (truncated)";
}

/**
 * Why the file at `path` is not a valid `name` (`onnx/model.onnx`, `config.json`, …), or
 * `undefined` when it looks right. An HTML page is refused for any name but `.html`/`.htm`;
 * `.json` must parse; `.parquet` must start and end with `PAR1`; `.safetensors`, `.onnx` and zip
 * checkpoints must reach exactly to their last byte; other files are taken as they are.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentProblem } from "./content_check.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.json`, "<!DOCTYPE html><html><body>Sign in</body></html>");
 * assert.match((await contentProblem(`${dir}/a.json`, "config.json"))!, /HTML page/);
 * await Deno.writeTextFile(`${dir}/b.json`, '{"dim": 4}');
 * assert.equal(await contentProblem(`${dir}/b.json`, "config.json"), undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function contentProblem(path: string, name: string): Promise<string | undefined> {
  const extension = extname(name).toLowerCase();
  const file = await Deno.open(path, { read: true });
  try {
    const { size } = await file.stat();
    const head = await readAt(file, 0, 512);
    if (extension !== ".html" && extension !== ".htm" && looksLikeHtml(head)) {
      return "it is an HTML page (a proxy, login or error page?), not the file";
    }
    if (extension === ".json") {
      try {
        JSON.parse(new TextDecoder().decode(await readAt(file, 0, size)));
      } catch (error) {
        return `it is not valid JSON (${(error as Error).message})`;
      }
      return undefined;
    }
    if (extension === ".parquet") {
      const tail = await readAt(file, Math.max(0, size - 4), 4);
      if (size < 12 || ascii(head.subarray(0, 4)) !== "PAR1" || ascii(tail) !== "PAR1") {
        return "it does not start and end with the parquet marker PAR1 (truncated or not parquet)";
      }
      return undefined;
    }
    if (extension === ".safetensors") return await safetensorsProblem(file, size);
    if (extension === ".onnx") {
      return size === 0 ? "it is empty" : await onnxProblem(file, size);
    }
    if (ascii(head.subarray(0, 4)) === "PK\x03\x04") return await zipProblem(file, size);
    return undefined;
  } finally {
    file.close();
  }
}
