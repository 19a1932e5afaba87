import { escapeHtml, JUPYTER_DISPLAY, type MimeBundle } from "../display/mod.ts";

/**
 * The verdict of an exercise checker: fixed or not, what was measured, and a hint when not. It
 * shows itself in a notebook as a green or red box.
 */
export class ExerciseCheck {
  constructor(
    /** The exercise's title. */
    readonly exercise: string,
    readonly passed: boolean,
    /** What the checker measured, with the numbers. */
    readonly message: string,
    /** What to change (shown when not fixed). */
    readonly hint: string,
  ) {}

  /** One line for a terminal. */
  toString(): string {
    return this.passed
      ? `✔ ${this.exercise}: fixed. ${this.message}`
      : `✘ ${this.exercise}: not fixed yet. ${this.message} Hint: ${this.hint}`;
  }

  /** Rich output for Deno's Jupyter kernel. */
  [JUPYTER_DISPLAY](): MimeBundle {
    const color = this.passed ? "#1a7f37" : "#cf222e";
    const verdict = this.passed ? "✔ fixed" : "✘ not fixed yet";
    const hint = this.passed ? "" : `<p><b>Hint:</b> ${escapeHtml(this.hint)}</p>`;
    return {
      "text/html": `<div style="border-left:4px solid ${color};padding:4px 12px">` +
        `<p><b style="color:${color}">${verdict}</b> — ${escapeHtml(this.exercise)}</p>` +
        `<p>${escapeHtml(this.message)}</p>${hint}</div>`,
      "text/plain": this.toString(),
    };
  }
}
