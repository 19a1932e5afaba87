/**
 * Errors of the PyTorch checkpoint readers. Every message names the file and what to do.
 *
 * @module
 */

/** The fix offered whenever a checkpoint holds more than tensors. */
export const CONVERT_HINT =
  "only tensor checkpoints (state dicts) are loaded; convert the checkpoint with safetensors " +
  "(e.g. `safetensors.torch.save_file(torch.load(path, weights_only=True), 'model.safetensors')` " +
  "on a trusted machine) or use the repository's model.safetensors";

/**
 * A pickle referred to a Python global that is not on the allow-list (for example `os.system`,
 * `builtins.eval`, `subprocess.Popen`, or a whole pickled `nn.Module`). Nothing was executed: the
 * reader only interprets pickle opcodes and never runs code.
 */
export class UnsafePickleError extends Error {
  override name = "UnsafePickleError";
  /** The refused global as `module.name`. */
  readonly global: string;
  constructor(global: string, source: string, offset: number) {
    super(
      `${source}: byte ${offset}: the pickle refers to the Python global ${global}, which is not ` +
        `on the allow-list, so the file was refused without running anything; ${CONVERT_HINT}.`,
    );
    this.global = global;
  }
}

/** The pickle stream is malformed (truncated, unknown opcode, stack misuse). */
export class PickleError extends Error {
  override name = "PickleError";
}

/** A `pytorch_model.bin` / `.pt` file could not be read; the message names the file and the fix. */
export class TorchCheckpointError extends Error {
  override name = "TorchCheckpointError";
}
