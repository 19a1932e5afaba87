/**
 * Test fixture of `gemm_test.ts`: chooses the GEMM backend twice (as `WORKSHOP_TRAIN_GEMM` says)
 * and prints both choices as JSON, so a test can run it without `--allow-ffi`.
 *
 * @module
 */
import { selectGemm } from "./gemm.ts";

console.log(JSON.stringify([selectGemm(), selectGemm()]));
