/**
 * Opens an HTML file in headless Chromium (Debian's `chromium`) over the DevTools protocol on a
 * loopback websocket, with name resolution disabled so nothing loads from the network, and
 * reports how many plotly charts rendered and what errors the page logged.
 *
 * @module
 */
import { pathToFileURL } from "node:url";

/** What {@link renderPage} saw. */
export interface RenderedPage {
  /** Chart divs the kit wrote (`div.plot`). */
  plotDivs: number;
  /** Of those, how many plotly drew (they hold an `svg.main-svg`). */
  renderedPlots: number;
  /** All `svg.main-svg` elements (plotly draws two or three per chart). */
  mainSvgs: number;
  /** Uncaught exceptions, `console.error` calls and error log entries (failed loads …). */
  errors: string[];
}

/** Options of {@link renderPage}. */
export interface RenderPageOptions {
  /** How long to wait for every chart to draw after the load event (default 30 s). */
  timeoutMs?: number;
  /** Chromium's executable (default `chromium`). */
  executable?: string;
}

type Message = {
  id?: number;
  method?: string;
  sessionId?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
};

/**
 * Loads `path` (an HTML file) in a fresh headless Chromium and counts rendered charts and errors.
 *
 * @example
 * ```ts ignore
 * const page = await renderPage("out/demo/report.html");
 * console.log(page.renderedPlots, page.plotDivs, page.errors);
 * ```
 */
export async function renderPage(
  path: string,
  options: RenderPageOptions = {},
): Promise<RenderedPage> {
  const profile = await Deno.makeTempDir({ prefix: "chromium-" });
  const child = new Deno.Command(options.executable ?? "chromium", {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-extensions",
      "--host-resolver-rules=MAP * ~NOTFOUND",
      "--remote-debugging-address=127.0.0.1",
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let socket: WebSocket | undefined;
  try {
    const endpoint = await devtoolsEndpoint(child.stderr);
    socket = new WebSocket(endpoint);
    await new Promise((resolve, reject) => {
      socket!.onopen = resolve;
      socket!.onerror = () => reject(new Error(`cannot connect to Chromium at ${endpoint}`));
    });
    const cdp = protocol(socket);
    const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true });
    const session = String(sessionId);
    const errors: string[] = [];
    cdp.on((m) => {
      if (m.sessionId !== session) return;
      const p = m.params ?? {};
      if (m.method === "Runtime.exceptionThrown") {
        const d = p.exceptionDetails as { text: string; exception?: { description?: string } };
        errors.push(`exception: ${d.exception?.description ?? d.text}`);
      } else if (m.method === "Runtime.consoleAPICalled" && p.type === "error") {
        const args = p.args as { value?: unknown; description?: string }[];
        errors.push(`console.error: ${args.map((a) => a.value ?? a.description).join(" ")}`);
      } else if (m.method === "Log.entryAdded") {
        const e = p.entry as { level: string; text: string; url?: string };
        if (e.level === "error") errors.push(`log: ${e.text}${e.url ? ` (${e.url})` : ""}`);
      }
    });
    for (const method of ["Runtime.enable", "Log.enable", "Page.enable"]) {
      await cdp.send(method, {}, session);
    }
    const loaded = cdp.once((m) => m.sessionId === session && m.method === "Page.loadEventFired");
    await cdp.send("Page.navigate", { url: pathToFileURL(path).href }, session);
    await withTimeout(loaded, 60_000, `${path} did not finish loading`);
    const count = async () => {
      const { result } = await cdp.send("Runtime.evaluate", {
        expression: `JSON.stringify({
          plotDivs: document.querySelectorAll("div.plot").length,
          renderedPlots: [...document.querySelectorAll("div.plot")]
            .filter((d) => d.querySelector("svg.main-svg")).length,
          mainSvgs: document.querySelectorAll("svg.main-svg").length,
        })`,
        returnByValue: true,
      }, session);
      return JSON.parse(String((result as { value: string }).value)) as Omit<
        RenderedPage,
        "errors"
      >;
    };
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    let counts = await count();
    while (counts.renderedPlots < counts.plotDivs && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      counts = await count();
    }
    await new Promise((r) => setTimeout(r, 300)); // late errors of the last draws
    return { ...(await count()), errors };
  } finally {
    socket?.close();
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

async function devtoolsEndpoint(stderr: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const found = (async () => {
    while (true) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`Chromium exited before listening:\n${text.slice(-2000)}`);
      text += value;
      const match = text.match(/DevTools listening on (ws:\/\/\S+)/);
      if (match) {
        // Keep draining stderr so Chromium never blocks on a full pipe.
        (async () => {
          while (!(await reader.read().catch(() => ({ done: true }))).done) { /* drain */ }
        })();
        return match[1];
      }
    }
  })();
  return await withTimeout(found, 30_000, "Chromium did not open its DevTools port");
}

function protocol(socket: WebSocket) {
  let next = 1;
  const pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  const listeners = new Set<(m: Message) => void>();
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as Message;
    if (message.id !== undefined && pending.has(message.id)) {
      const p = pending.get(message.id)!;
      pending.delete(message.id);
      if (message.error) p.reject(new Error(message.error.message));
      else p.resolve(message);
    }
    for (const listener of listeners) listener(message);
  };
  return {
    send(
      method: string,
      params: Record<string, unknown>,
      sessionId?: string,
    ): Promise<Record<string, unknown>> {
      const id = next++;
      socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      return new Promise<Message>((resolve, reject) => pending.set(id, { resolve, reject }))
        .then((m) => m.result ?? {});
    },
    on(listener: (m: Message) => void): void {
      listeners.add(listener);
    },
    once(match: (m: Message) => boolean): Promise<Message> {
      return new Promise((resolve) => {
        const listener = (m: Message) => {
          if (!match(m)) return;
          listeners.delete(listener);
          resolve(m);
        };
        listeners.add(listener);
      });
    },
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${message} within ${ms / 1000} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
