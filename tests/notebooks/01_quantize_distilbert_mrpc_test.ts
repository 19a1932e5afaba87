import { notebookTest } from "../support/notebook_run.ts";

notebookTest("01_quantize_distilbert_mrpc.ipynb");
