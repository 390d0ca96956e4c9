/**
 * Serves the built web console (dist/console, made by `npm run build`) at `/`: GET and HEAD only,
 * files by extension with their content type, the app's page for its own routes (deep links), and
 * nothing outside the build folder. The API (`POST /`), /_liftlog/ and /logs/ are routed before this.
 */
import { readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** dist/console beside dist/src (this file compiles to dist/src/console-assets.js). */
export const CONSOLE_ROOT = fileURLToPath(new URL("../console/", import.meta.url));

const CONTENT_TYPES = new Map([
  [".html", "text/html; charset=utf-8"],
  [".js", "text/javascript; charset=utf-8"],
  [".css", "text/css; charset=utf-8"],
  [".svg", "image/svg+xml"],
  [".png", "image/png"],
  [".ico", "image/x-icon"],
  [".json", "application/json"],
  [".map", "application/json"],
  [".woff2", "font/woff2"],
  [".txt", "text/plain; charset=utf-8"],
]);

/** Paths the app routes itself; the server answers them with index.html. */
const APP_ROUTES = [/^\/$/, /^\/fleets\/?$/, /^\/fleets\/[^/]+\/?$/, /^\/scenarios\/?$/];

export const isConsoleRequest = (method: string | undefined) => method === "GET" || method === "HEAD";

export interface ConsoleFile {
  status: number;
  contentType: string;
  body: Buffer;
  headers: Record<string, string>;
}

/** The file a console path names, or undefined when it names none (the caller answers 404). */
export async function consoleFile(pathname: string, root = CONSOLE_ROOT): Promise<ConsoleFile | undefined> {
  const app = APP_ROUTES.some((r) => r.test(pathname));
  const relative = app ? "index.html" : safeRelative(pathname);
  if (!relative) return undefined;
  const contentType = CONTENT_TYPES.get(extname(relative));
  if (!contentType) return undefined;
  let body: Buffer;
  try {
    body = await readFile(join(root, relative));
  } catch {
    if (app) return notBuilt();
    return undefined;
  }
  // Built assets carry a content hash in their names; the page itself must always be fresh.
  const immutable = relative.startsWith(`assets${sep}`) || relative.startsWith("assets/");
  return {
    status: 200,
    contentType,
    body,
    headers: {
      "Cache-Control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
      "X-Content-Type-Options": "nosniff",
    },
  };
}

/** The request path as a path inside the build folder; undefined if it escapes it or is malformed. */
function safeRelative(pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return undefined;
  const relative = normalize(decoded).replace(/^[/\\]+/, "");
  if (relative === "" || relative.startsWith("..") || relative.split(sep).includes("..")) return undefined;
  return relative;
}

function notBuilt(): ConsoleFile {
  return {
    status: 503,
    contentType: "text/plain; charset=utf-8",
    body: Buffer.from("The web console is not built. Run `npm run build` (npm ci and npm install do it) and restart liftlog serve.\n"),
    headers: {},
  };
}

export function sendConsoleFile(res: ServerResponse, file: ConsoleFile, head: boolean, headers: Record<string, string>): void {
  res.writeHead(file.status, { "Content-Type": file.contentType, "Content-Length": file.body.length, ...file.headers, ...headers });
  res.end(head ? undefined : file.body);
}
