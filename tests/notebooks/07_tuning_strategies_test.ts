import { notebookTest } from "../support/notebook_run.ts";

notebookTest("07_tuning_strategies.ipynb");
