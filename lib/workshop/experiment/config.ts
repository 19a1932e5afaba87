/**
 * Experiment configs: one YAML file describes a run, in the spirit of the `quantization.yml` the
 * workshop shows — model and revision (optionally its outlier twin), dataset and split,
 * approach, calibration, criterion, strategy, objective, budgets, seeds, output. Parsed with
 * `npm:yaml` and validated against {@link EXPERIMENT_SCHEMA}: every mistake (unknown key, wrong
 * type, value not allowed, missing required key) is reported with its key path and line.
 *
 * @module
 */

import { isMap, isScalar, LineCounter, parseDocument, type YAMLMap } from "yaml";
import { OUTLIER_TWIN_DEFAULTS } from "../../model/mod.ts";

/** A field of the schema. */
export interface FieldSchema {
  type: "string" | "number" | "integer" | "boolean" | "object";
  required?: boolean;
  /** Allowed values (strings). */
  values?: readonly string[];
  /** Inclusive lower bound (numbers). */
  min?: number;
  /** Exclusive lower bound (numbers). */
  above?: number;
  /** Fields of an object. */
  fields?: Record<string, FieldSchema>;
  /** Default (filled in when absent). */
  default?: unknown;
  description: string;
}

/** The schema of an experiment config. */
export const EXPERIMENT_SCHEMA: Record<string, FieldSchema> = {
  name: { type: "string", description: "what the run is called (report title)" },
  model: {
    type: "object",
    required: true,
    description: "the FP32 model",
    fields: {
      id: { type: "string", required: true, description: "hub model id" },
      revision: { type: "string", default: "main", description: "branch, tag or commit" },
      outlier_twin: {
        type: "object",
        description: "tune its function-preserving outlier twin instead (lib/model)",
        fields: {
          factor: {
            type: "number",
            above: 0,
            default: OUTLIER_TWIN_DEFAULTS.factor,
            description: "outlier scale",
          },
          channels: {
            type: "integer",
            min: 1,
            default: OUTLIER_TWIN_DEFAULTS.channels,
            description: "scaled channels",
          },
          seed: {
            type: "integer",
            min: 0,
            default: OUTLIER_TWIN_DEFAULTS.seed,
            description: "channel choice",
          },
        },
      },
    },
  },
  dataset: {
    type: "object",
    default: {},
    description: "the evaluation data",
    fields: {
      name: { type: "string", values: ["glue/mrpc"], default: "glue/mrpc", description: "dataset" },
      split: {
        type: "string",
        values: ["validation", "train", "test"],
        default: "validation",
        description: "split evaluated",
      },
      limit: { type: "integer", min: 1, description: "first N pairs only" },
    },
  },
  approach: {
    type: "string",
    values: ["static", "dynamic"],
    default: "static",
    description: "post-training quantization approach",
  },
  calibration: {
    type: "object",
    default: {},
    description: "static calibration",
    fields: {
      method: {
        type: "string",
        values: ["minmax", "percentile", "entropy"],
        default: "minmax",
        description: "range method",
      },
      samples: { type: "integer", min: 1, default: 32, description: "MRPC train pairs" },
    },
  },
  criterion: {
    type: "object",
    default: { relative: 0.01 },
    description: "allowed accuracy loss (one of relative, absolute)",
    fields: {
      relative: { type: "number", min: 0, description: "fraction of FP32 accuracy" },
      absolute: { type: "number", min: 0, description: "accuracy points" },
    },
  },
  strategy: { type: "string", default: "basic", description: "a registered tuning strategy" },
  objective: {
    type: "string",
    values: ["accuracy", "latency", "size", "pareto"],
    default: "accuracy",
    description: "what to optimize among passing trials",
  },
  budget: {
    type: "object",
    default: {},
    description: "when to stop",
    fields: {
      max_trials: { type: "integer", min: 1, default: 20, description: "trials" },
      time_seconds: { type: "number", above: 0, description: "wall time" },
    },
  },
  seed: { type: "integer", min: 0, default: 0, description: "seed of the strategy" },
  threads: { type: "integer", min: 1, description: "ONNX Runtime intra-op threads" },
  latency: { type: "boolean", default: false, description: "time every trial" },
  output: { type: "string", default: "out/run", description: "folder of report.json" },
  cache: { type: "string", description: "folder of cached trials (re-runs continue)" },
};

/** A validated experiment config (defaults filled in). */
export interface ExperimentConfig {
  name?: string;
  model: {
    id: string;
    revision: string;
    outlier_twin?: { factor: number; channels: number; seed: number };
  };
  dataset: { name: "glue/mrpc"; split: "validation" | "train" | "test"; limit?: number };
  approach: "static" | "dynamic";
  calibration: { method: "minmax" | "percentile" | "entropy"; samples: number };
  criterion: { relative?: number; absolute?: number };
  strategy: string;
  objective: "accuracy" | "latency" | "size" | "pareto";
  budget: { max_trials: number; time_seconds?: number };
  seed: number;
  threads?: number;
  latency: boolean;
  output: string;
  cache?: string;
}

/** One mistake in a config: where and what. */
export interface ConfigIssue {
  /** Key path, e.g. `budget.max_trials`. */
  path: string;
  /** 1-based line (0 when the file is empty). */
  line: number;
  message: string;
}

/** A config that does not validate; the message lists every issue as `file:line: path: what`. */
export class ExperimentConfigError extends Error {
  override name = "ExperimentConfigError";
  constructor(readonly source: string, readonly issues: readonly ConfigIssue[]) {
    super(
      `${source} is not a valid experiment config:\n` +
        issues.map((i) => `  ${source}:${i.line}: ${i.path || "(top)"}: ${i.message}`).join("\n"),
    );
  }
}

/**
 * Parses and validates an experiment config (YAML text); throws {@link ExperimentConfigError}
 * naming the key path and line of each mistake.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseExperimentConfig } from "./config.ts";
 * const config = parseExperimentConfig("model:\n  id: org/model\nstrategy: bayesian\n");
 * assert.equal(config.model.revision, "main");
 * assert.equal(config.budget.max_trials, 20);
 * assert.throws(
 *   () => parseExperimentConfig("model:\n  id: org/model\nbudget:\n  max_trails: 5\n", "run.yaml"),
 *   /run\.yaml:4: budget\.max_trails: unknown key; expected one of max_trials, time_seconds/,
 * );
 * ```
 */
export function parseExperimentConfig(text: string, source = "config.yaml"): ExperimentConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const issues: ConfigIssue[] = [];
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? 0 : lines.linePos(offset).line;
  for (const error of doc.errors) {
    issues.push({ path: "", line: lineOf(error.pos[0]), message: `YAML: ${error.message}` });
  }
  if (issues.length > 0) throw new ExperimentConfigError(source, issues);
  const root = doc.contents;
  if (!isMap(root)) {
    throw new ExperimentConfigError(source, [{
      path: "",
      line: lineOf(root?.range?.[0]),
      message: "the config must be a mapping of keys (model:, strategy:, …)",
    }]);
  }
  const value = checkMap(root, EXPERIMENT_SCHEMA, "", issues, lineOf);
  if (issues.length > 0) throw new ExperimentConfigError(source, issues);
  const config = value as unknown as ExperimentConfig;
  const c = config.criterion;
  if ((c.relative === undefined) === (c.absolute === undefined)) {
    const pair = root.items.find((p) => isScalar(p.key) && p.key.value === "criterion");
    const node = pair?.key as { range?: [number] } | undefined;
    throw new ExperimentConfigError(source, [{
      path: "criterion",
      line: lineOf(node?.range?.[0]),
      message: "give exactly one of relative, absolute",
    }]);
  }
  return config;
}

function checkMap(
  map: YAMLMap,
  fields: Record<string, FieldSchema>,
  prefix: string,
  issues: ConfigIssue[],
  lineOf: (offset: number | undefined) => number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const pair of map.items) {
    const keyNode = pair.key as { value?: unknown; range?: [number] } | null;
    const key = String(isScalar(pair.key) ? pair.key.value : keyNode?.value);
    const path = prefix ? `${prefix}.${key}` : key;
    const line = lineOf(keyNode?.range?.[0]);
    const schema = fields[key];
    if (!schema) {
      issues.push({
        path,
        line,
        message: `unknown key; expected one of ${Object.keys(fields).join(", ")}`,
      });
      continue;
    }
    seen.add(key);
    const node = pair.value as { range?: [number] } | null;
    const valueLine = lineOf(node?.range?.[0]) || line;
    if (schema.type === "object") {
      if (!isMap(pair.value)) {
        issues.push({
          path,
          line: valueLine,
          message: `must be a mapping (${schema.description})`,
        });
        continue;
      }
      out[key] = checkMap(pair.value, schema.fields ?? {}, path, issues, lineOf);
      continue;
    }
    const v = isScalar(pair.value) ? pair.value.value : (pair.value as unknown);
    const problem = scalarProblem(v, schema);
    if (problem) issues.push({ path, line: valueLine, message: problem });
    else out[key] = v;
  }
  for (const [key, schema] of Object.entries(fields)) {
    if (seen.has(key)) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    if (schema.required) {
      issues.push({
        path,
        line: lineOf(map.range?.[0]),
        message: `missing required key (${schema.description})`,
      });
    } else if (schema.default !== undefined) {
      out[key] = schema.type === "object"
        ? fillDefaults(
          schema.fields ?? {},
          structuredClone(schema.default) as Record<string, unknown>,
        )
        : schema.default;
    }
  }
  return out;
}

function fillDefaults(
  fields: Record<string, FieldSchema>,
  value: Record<string, unknown>,
): Record<string, unknown> {
  for (const [key, schema] of Object.entries(fields)) {
    if (value[key] === undefined && schema.default !== undefined) value[key] = schema.default;
  }
  return value;
}

function scalarProblem(v: unknown, schema: FieldSchema): string | undefined {
  const shown = JSON.stringify(v);
  switch (schema.type) {
    case "string":
      if (typeof v !== "string") return `must be a string, got ${shown}`;
      if (schema.values && !schema.values.includes(v)) {
        return `${shown} is not one of ${schema.values.join(", ")}`;
      }
      return undefined;
    case "boolean":
      return typeof v === "boolean" ? undefined : `must be true or false, got ${shown}`;
    case "number":
    case "integer": {
      if (typeof v !== "number" || !Number.isFinite(v)) return `must be a number, got ${shown}`;
      if (schema.type === "integer" && !Number.isInteger(v)) {
        return `must be a whole number, got ${shown}`;
      }
      if (schema.min !== undefined && v < schema.min) return `must be ≥ ${schema.min}, got ${v}`;
      if (schema.above !== undefined && v <= schema.above) {
        return `must be > ${schema.above}, got ${v}`;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
