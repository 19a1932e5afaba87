/** The dataset the workshop evaluates on (the demo, mixed precision), as `report.json` names it. */
export const DEMO_DATASET = "glue/mrpc:validation";
