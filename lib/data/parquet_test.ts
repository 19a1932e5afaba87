import assert from "node:assert/strict";
import { parquetMetadata } from "hyparquet";
import { MrpcFormatError } from "./errors.ts";
import { readMrpcParquet } from "./parquet.ts";
import { fixturePath, mirrorParquetPath } from "../../tests/support/mirror.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

extendedTest(
  "the mirror's nyu-mll/glue MRPC parquet files read with row counts and first rows",
  MIRROR,
  async () => {
    const train = await readMrpcParquet(mirrorParquetPath("train"), "train");
    const validation = await readMrpcParquet(mirrorParquetPath("validation"), "validation");
    const test = await readMrpcParquet(mirrorParquetPath("test"), "test");
    assert.deepEqual([train.length, validation.length, test.length], [3668, 408, 1725]);
    assert.deepEqual(validation[0], {
      sentence1:
        "He said the foodservice pie business doesn't fit the company's long-term growth strategy.",
      sentence2: '"The foodservice pie business does not fit our long-term growth strategy.',
      label: 1,
      idx: 0,
    });
    assert.equal(train[0].sentence1.slice(0, 31), "Amrozi accused his brother, who");
    assert.deepEqual([train[0].label, train[3667].idx, test[1724].idx, test[0].label], [
      1,
      3667,
      1724,
      -1,
    ]);
    assert.equal(train.filter((row) => row.label === 1).length, 2474);
  },
);

Deno.test("the mirror's parquet files are snappy-compressed (no extra codec package needed)", async () => {
  for (const split of ["train", "validation", "test"] as const) {
    const bytes = await Deno.readFile(mirrorParquetPath(split));
    const codecs = new Set(
      parquetMetadata(bytes.buffer).row_groups.flatMap((group) =>
        group.columns.map((column) => column.meta_data?.codec)
      ),
    );
    assert.deepEqual([...codecs], ["SNAPPY"], split);
  }
});

Deno.test("a parquet file without a column names the file and the column", async () => {
  const path = fixturePath("missing_label.parquet");
  await assert.rejects(
    readMrpcParquet(path, "train"),
    (error: unknown) =>
      error instanceof MrpcFormatError && error.path === path &&
      error.message.startsWith(`${path}: parquet file has no column "label"`) &&
      error.message.includes('it has "sentence1", "sentence2", "idx"'),
  );
});

Deno.test("invalid parquet rows and non-parquet files are refused with the path", async () => {
  const badLabel = fixturePath("bad_label.parquet");
  await assert.rejects(
    readMrpcParquet(badLabel, "train"),
    (error: unknown) =>
      error instanceof MrpcFormatError &&
      error.message === `${badLabel}: row 1: label 2 is not 0 or 1`,
  );
  // Labelled rows are not a test split.
  await assert.rejects(
    readMrpcParquet(mirrorParquetPath("validation"), "test"),
    /row 0: label 1 in the test split, expected -1/,
  );
  const garbage = `${await Deno.makeTempDir()}/train-00000-of-00001.parquet`;
  await Deno.writeTextFile(garbage, "<html>rate limited</html>");
  await assert.rejects(
    readMrpcParquet(garbage, "train"),
    (error: unknown) =>
      error instanceof MrpcFormatError &&
      error.message.startsWith(`${garbage}: not a readable parquet file`),
  );
});

Deno.test("GZIP-compressed parquet is decoded", async () => {
  const rows = await readMrpcParquet(fixturePath("gzip.parquet"), "train");
  assert.deepEqual(rows.map((row) => row.label), [1, 1, 0]);
  assert.equal(rows[2].sentence2, "Shares dropped 2 percent.");
});
