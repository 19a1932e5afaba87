import { notebookTest } from "../support/notebook_run.ts";

notebookTest("06_quantization_aware_training.ipynb");
