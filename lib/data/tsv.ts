import { MrpcFormatError } from "./errors.ts";
import type { MrpcRow, MrpcSplit } from "./rows.ts";

/** The header of GLUE's labelled MRPC files (`train.tsv`, `dev.tsv`). */
export const MRPC_TSV_HEADER = ["Quality", "#1 ID", "#2 ID", "#1 String", "#2 String"] as const;
/** The header of GLUE's unlabelled MRPC test file (`test.tsv`). */
export const MRPC_TEST_TSV_HEADER = ["index", "#1 ID", "#2 ID", "#1 String", "#2 String"] as const;

/** GLUE's file name for each split, inside a GLUE `MRPC` folder. */
export const MRPC_TSV_FILES: Readonly<Record<MrpcSplit, string>> = {
  train: "train.tsv",
  validation: "dev.tsv",
  test: "test.tsv",
};

/** Options for {@link parseMrpcTsv}. */
export interface ParseMrpcTsvOptions {
  /** Which split the text is; `test` expects the unlabelled header and gets label -1. */
  split: MrpcSplit;
  /** File path named in error messages (`path:line`). */
  path: string;
}

/**
 * Parses the text of a GLUE MRPC TSV file into rows. Fields are split on tabs only: GLUE's
 * sentences contain quote characters that are part of the text, not CSV quoting. A byte-order mark
 * and CRLF line ends are accepted, and `idx` is the 0-based row index (as in the hub's dataset).
 * A malformed line throws {@link MrpcFormatError} whose message starts with `path:line`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMrpcTsv } from "./tsv.ts";
 * const text = "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n" +
 *   '1\t11\t12\tHe said "yes".\tHe agreed.\n';
 * const rows = parseMrpcTsv(text, { split: "train", path: "train.tsv" });
 * assert.deepEqual(rows, [
 *   { sentence1: 'He said "yes".', sentence2: "He agreed.", label: 1, idx: 0 },
 * ]);
 * assert.throws(
 *   () => parseMrpcTsv(text.replace("1\t11", "7\t11"), { split: "train", path: "train.tsv" }),
 *   /train\.tsv:2: label "7" is not 0 or 1/,
 * );
 * ```
 */
export function parseMrpcTsv(text: string, options: ParseMrpcTsvOptions): MrpcRow[] {
  const { split, path } = options;
  const lines = text.replace(/^\uFEFF/, "").split("\n").map((line) => line.replace(/\r$/, ""));
  if (lines.at(-1) === "") lines.pop(); // the newline that ends the last line
  if (lines.length === 0) {
    throw new MrpcFormatError(`${path}: the file is empty, expected a GLUE MRPC header line`, {
      path,
    });
  }
  checkHeader(lines[0], split, path);
  const rows: MrpcRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    rows.push(parseLine(lines[i], { split, path, line: i + 1, idx: i - 1 }));
  }
  if (rows.length === 0) {
    throw new MrpcFormatError(`${path}: the file has a header but no rows`, { path });
  }
  return rows;
}

/**
 * Reads and parses a GLUE MRPC TSV file (see {@link parseMrpcTsv}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readMrpcTsv } from "./tsv.ts";
 * const path = `${await Deno.makeTempDir()}/test.tsv`;
 * await Deno.writeTextFile(path, "index\t#1 ID\t#2 ID\t#1 String\t#2 String\n0\t1\t2\tA.\tB.\n");
 * const rows = await readMrpcTsv(path, "test");
 * assert.deepEqual(rows, [{ sentence1: "A.", sentence2: "B.", label: -1, idx: 0 }]);
 * ```
 */
export async function readMrpcTsv(path: string, split: MrpcSplit): Promise<MrpcRow[]> {
  return parseMrpcTsv(await Deno.readTextFile(path), { split, path });
}

function checkHeader(line: string, split: MrpcSplit, path: string): void {
  const expected = split === "test" ? MRPC_TEST_TSV_HEADER : MRPC_TSV_HEADER;
  const fields = line.split("\t");
  if (fields.length !== expected.length || fields.some((field, i) => field !== expected[i])) {
    throw new MrpcFormatError(
      `${path}:1: header ${JSON.stringify(line)} is not GLUE's MRPC ${split} header ` +
        `${JSON.stringify(expected.join("\t"))}; pass the MRPC folder of GLUE's data ` +
        `(train.tsv, dev.tsv, test.tsv)`,
      { path, line: 1 },
    );
  }
}

interface LineContext {
  split: MrpcSplit;
  path: string;
  /** 1-based line number. */
  line: number;
  /** 0-based row index. */
  idx: number;
}

function parseLine(text: string, context: LineContext): MrpcRow {
  const { split, path, line, idx } = context;
  const fail = (what: string) => new MrpcFormatError(`${path}:${line}: ${what}`, { path, line });
  const fields = text.split("\t");
  if (fields.length !== 5) {
    throw fail(
      `${fields.length} tab-separated field(s), expected 5 ` +
        `(label or index, #1 ID, #2 ID, #1 String, #2 String)`,
    );
  }
  const [first, , , sentence1, sentence2] = fields;
  let label = -1;
  if (split === "test") {
    if (!/^\d+$/.test(first)) throw fail(`index ${JSON.stringify(first)} is not an integer`);
  } else {
    if (first !== "0" && first !== "1") throw fail(`label ${JSON.stringify(first)} is not 0 or 1`);
    label = Number(first);
  }
  if (sentence1.trim() === "") throw fail("#1 String (sentence1) is empty");
  if (sentence2.trim() === "") throw fail("#2 String (sentence2) is empty");
  return { sentence1, sentence2, label, idx };
}
