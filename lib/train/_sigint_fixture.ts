/**
 * Test fixture run as a subprocess by `train_test.ts`: trains the tiny model with SIGINT handling
 * on, sends itself SIGINT after update 3, and prints the result as JSON. (`deno test` owns SIGINT
 * in its own process, so the real signal is tested here.)
 *
 * @module
 */
import { randomDistilBertWeights } from "../model/random.ts";
import { TfDistilBert } from "./distilbert.ts";
import { train } from "./train.ts";
import { syntheticExamples, TINY_CONFIG } from "./_test_support.ts";

const [checkpoint] = Deno.args;
const model = await TfDistilBert.fromWeights(
  TINY_CONFIG,
  randomDistilBertWeights(TINY_CONFIG, { seed: 21 }),
);
const lines: string[] = [];
const result = await train(model, syntheticExamples(60, 1), {
  epochs: 2,
  batchSize: 8,
  progress: false,
  log: (line) => lines.push(line),
  checkpoint,
  onStep: (r) => {
    if (r.step === 3) Deno.kill(Deno.pid, "SIGINT");
  },
});
console.log(JSON.stringify({ status: result.status, steps: result.steps, lines }));
