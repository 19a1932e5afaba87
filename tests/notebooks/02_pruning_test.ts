import { notebookTest } from "../support/notebook_run.ts";

notebookTest("02_pruning.ipynb");
