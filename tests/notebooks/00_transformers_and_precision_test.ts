import { notebookTest } from "../support/notebook_run.ts";

notebookTest("00_transformers_and_precision.ipynb");
