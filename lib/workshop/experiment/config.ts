/**
 * Experiment configs: one YAML file describes a run, in the spirit of the `quantization.yml` the
 * workshop shows — model and revision (optionally its outlier twin), dataset and split, the
 * technique (`technique:`, default `quantization`) and its options, calibration, criterion,
 * strategy, objective, budgets, seeds, output. Parsed with `npm:yaml` and validated against
 * {@link EXPERIMENT_SCHEMA}: every mistake (unknown key, wrong type, value not allowed, missing
 * required key, a section or key of another technique) is reported with its key path and line.
 *
 * Each technique but quantization has its own section (`pruning:`, `distillation:`, `qat:`,
 * `fusion:`, `mixed_precision:`, `weight_only:`), filled with its defaults when absent; the
 * quantization keys (`approach`, `strategy`, `objective`, `budget`, `cache`, `smooth_quant`)
 * stay at the top level, so configs written before techniques existed keep working.
 *
 * @module
 */

import { isMap, isScalar, LineCounter, parseDocument, type YAMLMap } from "yaml";
import { OUTLIER_TWIN_DEFAULTS } from "../../model/mod.ts";
import { TRAIN_PROFILE_NAMES, type TrainProfileName } from "../../train/mod.ts";
import { pruneTargets } from "../prune_workshop_model.ts";

/** The techniques a run can apply (`technique:`), one per workshop notebook topic. */
export const TECHNIQUES = [
  "quantization",
  "pruning",
  "distillation",
  "qat",
  "fusion",
  "mixed_precision",
  "weight_only",
] as const;

/** A technique a run can apply. */
export type Technique = typeof TECHNIQUES[number];

/** Techniques that fine-tune on the training engine (their data follows `profile`). */
export const TRAINING_TECHNIQUES: readonly Technique[] = ["pruning", "distillation", "qat"];

/** Top-level keys only the quantization technique reads. */
const QUANTIZATION_KEYS = ["approach", "strategy", "objective", "budget", "cache", "smooth_quant"];

/** A field of the schema. */
export interface FieldSchema {
  type: "string" | "number" | "integer" | "boolean" | "object";
  required?: boolean;
  /** Allowed values. */
  values?: readonly (string | number)[];
  /** Inclusive lower bound (numbers). */
  min?: number;
  /** Exclusive lower bound (numbers). */
  above?: number;
  /** Inclusive upper bound (numbers). */
  max?: number;
  /** Exclusive upper bound (numbers). */
  below?: number;
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
  technique: {
    type: "string",
    values: TECHNIQUES,
    default: "quantization",
    description: "what the run applies (its options: the section of the same name)",
  },
  profile: {
    type: "string",
    values: TRAIN_PROFILE_NAMES,
    description:
      "training profile of pruning, distillation, qat: quick, full (sized for a 15-minute notebook at DistilBERT-base size on 2 cores) or long (the papers' 3 epochs); default: WORKSHOP_QUICK=1 → quick, else full",
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
  smooth_quant: {
    type: "object",
    description: "quantization: SmoothQuant the model before quantizing (lib/quant)",
    fields: {
      alpha: { type: "number", min: 0, max: 1, default: 0.5, description: "migration strength" },
      batches: { type: "integer", min: 1, default: 4, description: "calibration batches" },
    },
  },
  pruning: {
    type: "object",
    description: "technique pruning: deno task prune's options (lib/prune)",
    fields: {
      criterion: { type: "string", default: "magnitude", description: "a registered criterion" },
      pattern: { type: "string", description: "a registered pattern (default unstructured)" },
      sparsity: { type: "number", min: 0, below: 1, description: "element patterns: fraction" },
      ffn: { type: "number", min: 0, below: 1, description: "fraction of FFN units removed" },
      heads: { type: "number", min: 0, below: 1, description: "fraction of heads removed" },
      schedule: {
        type: "string",
        values: ["oneshot", "gradual"],
        default: "oneshot",
        description: "when to prune",
      },
      finetune_epochs: {
        type: "integer",
        min: 0,
        description: "default: the profile's epochs (1 quick and full, 3 long)",
      },
      distill: { type: "boolean", default: false, description: "dense model as teacher" },
    },
  },
  distillation: {
    type: "object",
    description: "technique distillation: a student of every other layer (lib/distill)",
    fields: {
      temperature: { type: "number", above: 0, default: 2, description: "T of the soft labels" },
      alpha: { type: "number", min: 0, max: 1, default: 0.5, description: "soft-label share" },
      hidden_dim: {
        type: "integer",
        min: 1,
        description: "narrow the student's FFN to this many units (default: the teacher's)",
      },
    },
  },
  qat: {
    type: "object",
    description: "technique qat: quantization-aware fine-tuning (lib/qat)",
    fields: {
      warmup: {
        type: "string",
        values: ["calibrate", "none"],
        default: "calibrate",
        description: "observer ranges from a calibration, or from the first batch",
      },
      distill: { type: "boolean", default: false, description: "self-distillation from FP32" },
    },
  },
  fusion: {
    type: "object",
    description: "technique fusion: graph optimization passes (lib/fuse)",
    fields: {
      passes: {
        type: "string",
        values: ["default", "quantization_friendly", "all"],
        default: "default",
        description: "which list of passes",
      },
    },
  },
  mixed_precision: {
    type: "object",
    description: "technique mixed_precision: FP16/BF16 with AMP categories (lib/mixed)",
    fields: {
      target: { type: "string", values: ["fp16", "bf16"], default: "fp16", description: "type" },
      missing_kernels: {
        type: "string",
        values: ["emulate", "fp32"],
        default: "emulate",
        description: "ops the runtime lacks in the target type",
      },
    },
  },
  weight_only: {
    type: "object",
    description: "technique weight_only: 4/8-bit block-quantized weights (lib/quant)",
    fields: {
      method: { type: "string", values: ["rtn", "gptq"], default: "rtn", description: "rounding" },
      bits: { type: "integer", values: [4, 8], default: 4, description: "bits per weight" },
      block_size: { type: "integer", min: 16, default: 32, description: "values per block" },
      symmetric: { type: "boolean", default: true, description: "no zero points" },
      embeddings: {
        type: "string",
        values: ["float", "int8", "q4"],
        default: "float",
        description: "the embedding tables",
      },
    },
  },
};

/** Sections of the techniques that have one, by technique. */
const SECTIONS: Partial<Record<Technique, keyof ExperimentConfig>> = {
  pruning: "pruning",
  distillation: "distillation",
  qat: "qat",
  fusion: "fusion",
  mixed_precision: "mixed_precision",
  weight_only: "weight_only",
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
  technique: Technique;
  /** Training profile (resolved from `WORKSHOP_QUICK` by the run when absent). */
  profile?: TrainProfileName;
  smooth_quant?: { alpha: number; batches: number };
  pruning?: {
    criterion: string;
    pattern?: string;
    sparsity?: number;
    ffn?: number;
    heads?: number;
    schedule: "oneshot" | "gradual";
    finetune_epochs?: number;
    distill: boolean;
  };
  distillation?: { temperature: number; alpha: number; hidden_dim?: number };
  qat?: { warmup: "calibrate" | "none"; distill: boolean };
  fusion?: { passes: "default" | "quantization_friendly" | "all" };
  mixed_precision?: { target: "fp16" | "bf16"; missing_kernels: "emulate" | "fp32" };
  weight_only?: {
    method: "rtn" | "gptq";
    bits: 4 | 8;
    block_size: number;
    symmetric: boolean;
    embeddings: "float" | "int8" | "q4";
  };
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
  const keyLine = (map: YAMLMap, key: string) => {
    const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
    return lineOf((pair?.key as { range?: [number] } | undefined)?.range?.[0]);
  };
  const given = (key: string) => root.items.some((p) => isScalar(p.key) && p.key.value === key);
  const c = config.criterion;
  if ((c.relative === undefined) === (c.absolute === undefined)) {
    issues.push({
      path: "criterion",
      line: keyLine(root, "criterion"),
      message: "give exactly one of relative, absolute",
    });
  }
  checkTechnique(config, { given, keyLine: (key) => keyLine(root, key), issues });
  const modelNode = root.items.find((p) => isScalar(p.key) && p.key.value === "model")?.value;
  if (config.model.outlier_twin && TRAINING_TECHNIQUES.includes(config.technique)) {
    issues.push({
      path: "model.outlier_twin",
      line: isMap(modelNode) ? keyLine(modelNode, "outlier_twin") : 0,
      message: `technique ${config.technique} trains from the model's weights, not its ONNX ` +
        "graph: remove outlier_twin (it is for quantization, weight_only, fusion, mixed_precision)",
    });
  }
  if (issues.length > 0) throw new ExperimentConfigError(source, issues);
  return config;
}

/** The checks of `technique:` against the sections and keys given; fills its section. */
function checkTechnique(
  config: ExperimentConfig,
  where: {
    given: (key: string) => boolean;
    keyLine: (key: string) => number;
    issues: ConfigIssue[];
  },
): void {
  const { technique } = config;
  const { given, keyLine, issues } = where;
  for (const [owner, section] of Object.entries(SECTIONS)) {
    if (owner === technique || !given(section)) continue;
    issues.push({
      path: section,
      line: keyLine(section),
      message: `configures technique ${owner}, but technique is ${technique}: set ` +
        `technique: ${owner} or remove this section`,
    });
  }
  if (technique !== "quantization") {
    for (const key of QUANTIZATION_KEYS.filter(given)) {
      issues.push({
        path: key,
        line: keyLine(key),
        message: `only technique quantization reads ${key}, but technique is ${technique}: ` +
          "remove it (or set technique: quantization)",
      });
    }
  } else if (config.smooth_quant && config.approach !== "static") {
    issues.push({
      path: "smooth_quant",
      line: keyLine("smooth_quant"),
      message: "SmoothQuant prepares activations for static quantization: set approach: static " +
        "or remove smooth_quant",
    });
  }
  const section = SECTIONS[technique];
  if (!section) return;
  const record = config as unknown as Record<string, Record<string, unknown> | undefined>;
  record[section] = fillDefaults(
    EXPERIMENT_SCHEMA[section].fields ?? {},
    record[section] ?? {},
  );
  if (technique === "pruning" && issues.length === 0) {
    const p = config.pruning!;
    try {
      pruneTargets(p);
    } catch (error) {
      issues.push({
        path: "pruning",
        line: keyLine(given("pruning") ? "pruning" : "technique"),
        message: (error as Error).message,
      });
    }
  }
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
      return notAllowed(v, schema);
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
      if (schema.max !== undefined && v > schema.max) return `must be ≤ ${schema.max}, got ${v}`;
      if (schema.below !== undefined && v >= schema.below) {
        return `must be < ${schema.below}, got ${v}`;
      }
      return notAllowed(v, schema);
    }
    default:
      return undefined;
  }
}

function notAllowed(v: string | number, schema: FieldSchema): string | undefined {
  return schema.values && !schema.values.includes(v)
    ? `${JSON.stringify(v)} is not one of ${schema.values.join(", ")}`
    : undefined;
}
