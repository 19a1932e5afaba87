import { notebookTest } from "../support/notebook_run.ts";

notebookTest("05_mixed_precision.ipynb");
