import { notebookTest } from "../support/notebook_run.ts";

notebookTest("03_knowledge_distillation.ipynb");
