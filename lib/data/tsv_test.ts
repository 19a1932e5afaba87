import assert from "node:assert/strict";
import { join } from "node:path";
import { MrpcFormatError } from "./errors.ts";
import { MRPC_TSV_FILES, parseMrpcTsv, readMrpcTsv } from "./tsv.ts";
import { fixturePath, mrpcTsvDir } from "../../tests/support/mirror.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

const HEADER = "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String";

extendedTest(
  "GLUE's MRPC TSVs parse with the published row counts and labels",
  MIRROR,
  async () => {
    const dir = mrpcTsvDir();
    const train = await readMrpcTsv(join(dir, MRPC_TSV_FILES.train), "train");
    const dev = await readMrpcTsv(join(dir, MRPC_TSV_FILES.validation), "validation");
    const test = await readMrpcTsv(join(dir, MRPC_TSV_FILES.test), "test");
    assert.equal(train.length, 3668);
    assert.equal(dev.length, 408);
    assert.equal(test.length, 1725);
    // Label counts (0, 1) from the files: train 1194 / 2474, dev 129 / 279; test is unlabelled.
    const count = (rows: { label: number }[], label: number) =>
      rows.filter((row) => row.label === label).length;
    assert.deepEqual([count(train, 0), count(train, 1)], [1194, 2474]);
    assert.deepEqual([count(dev, 0), count(dev, 1)], [129, 279]);
    assert.equal(count(test, -1), 1725);
    assert.deepEqual(
      [train, dev, test].map((rows) => rows.every((row, i) => row.idx === i)),
      [true, true, true],
    );
    // The byte-order mark before "Quality" is dropped; quotes stay part of the sentence.
    assert.deepEqual(train[0], {
      sentence1:
        'Amrozi accused his brother, whom he called "the witness", of deliberately distorting his evidence.',
      sentence2:
        'Referring to him as only "the witness", Amrozi accused his brother of deliberately distorting his evidence.',
      label: 1,
      idx: 0,
    });
    assert.equal(
      dev[0].sentence2,
      '"The foodservice pie business does not fit our long-term growth strategy.',
    );
    assert.equal(
      dev[407].sentence2,
      "In Soviet times the Beatles' music \"was considered propaganda of an alien ideology.",
    );
    assert.equal(test[0].sentence1.slice(0, 33), "PCCW's chief operating officer, M");
  },
);

Deno.test("malformed TSV fixtures throw MrpcFormatError with path:line", async () => {
  const cases: [string, number, RegExp][] = [
    ["bad_fields.tsv", 3, /:3: 4 tab-separated field\(s\), expected 5/],
    ["bad_label.tsv", 4, /:4: label "yes" is not 0 or 1/],
    ["empty_sentence.tsv", 4, /:4: #2 String \(sentence2\) is empty/],
    [
      "bad_header.tsv",
      1,
      /:1: header "label\\tsentence1\\tsentence2" is not GLUE's MRPC train header "Quality\\t#1 ID/,
    ],
  ];
  for (const [name, line, message] of cases) {
    const path = fixturePath(name);
    const error = await readMrpcTsv(path, "train").then(
      () => assert.fail(`${name} should not parse`),
      (error: unknown) => error,
    );
    assert.ok(error instanceof MrpcFormatError, `${name}: ${error}`);
    assert.equal(error.path, path);
    assert.equal(error.line, line);
    assert.ok(error.message.startsWith(`${path}:${line}: `), error.message);
    assert.match(error.message, message);
  }
});

Deno.test("CRLF line ends, a BOM and a missing final newline are accepted", () => {
  const text = `\uFEFF${HEADER}\r\n1\t1\t2\tA.\tB.\r\n0\t3\t4\t"C\tD"`;
  assert.deepEqual(parseMrpcTsv(text, { split: "train", path: "x.tsv" }), [
    { sentence1: "A.", sentence2: "B.", label: 1, idx: 0 },
    { sentence1: '"C', sentence2: 'D"', label: 0, idx: 1 },
  ]);
});

Deno.test("the test split needs GLUE's unlabelled header and integer indices", () => {
  const testHeader = "index\t#1 ID\t#2 ID\t#1 String\t#2 String";
  assert.throws(
    () => parseMrpcTsv(`${HEADER}\n1\t1\t2\tA.\tB.\n`, { split: "test", path: "test.tsv" }),
    (error: unknown) => error instanceof MrpcFormatError && error.line === 1,
  );
  assert.throws(
    () => parseMrpcTsv(`${testHeader}\nx\t1\t2\tA.\tB.\n`, { split: "test", path: "test.tsv" }),
    /test\.tsv:2: index "x" is not an integer/,
  );
  assert.throws(
    () => parseMrpcTsv(`${testHeader}\n0\t1\t2\tA.\tB.\n\n`, { split: "test", path: "test.tsv" }),
    /test\.tsv:3: 1 tab-separated field\(s\), expected 5/,
  );
});

Deno.test("empty files and header-only files are refused", () => {
  assert.throws(
    () => parseMrpcTsv("", { split: "train", path: "e.tsv" }),
    /e\.tsv: the file is empty/,
  );
  assert.throws(
    () => parseMrpcTsv(`${HEADER}\n`, { split: "train", path: "h.tsv" }),
    /h\.tsv: the file has a header but no rows/,
  );
});
