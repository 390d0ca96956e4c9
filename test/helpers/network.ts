/** Network helpers for tests: a free port to restart a server on, and an endpoint without the live feed. */
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

/** A port nothing listens on right now, for a server that must come back on the same port after a restart. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/**
 * An endpoint that has the GameLift API but no live feed, as Amazon GameLift is: a proxy in front of
 * a real liftlog server that answers the event stream with 404 and passes everything else through.
 */

export interface NoFeedProxy {
  url: string;
  close(): Promise<void>;
}

export async function startNoFeedProxy(endpoint: string): Promise<NoFeedProxy> {
  const target = new URL(endpoint);
  const proxy = createServer((req, res) => {
    if (req.url?.startsWith("/_liftlog/events/stream")) {
      res.writeHead(404, { "Content-Type": "application/json" }).end('{"message":"Not Found"}');
      return;
    }
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode!, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    close: async () => {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}
