import { notebookTest } from "../support/notebook_run.ts";

notebookTest("08_weight_only_and_smoothquant.ipynb");
