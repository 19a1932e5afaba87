/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** A MIME bundle, as Jupyter's display protocol and Deno's kernel take it. */
export type MimeBundle = Record<string, unknown>;

/** The symbol Deno's Jupyter kernel looks for to show an object as rich output. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;
