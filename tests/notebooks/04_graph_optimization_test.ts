import { notebookTest } from "../support/notebook_run.ts";

notebookTest("04_graph_optimization.ipynb");
