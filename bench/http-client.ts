/**
 * A minimal GameLift JSON 1.1 client for benchmarks: one keep-alive connection, request bodies
 * built in advance, and a fixed, well-formed SigV4 Authorization header (the server does not verify
 * signatures by default), so that the client costs next to nothing per request. It also posts to
 * the admin API (/_liftlog/...) on the same connection.
 */
import { Agent, request } from "node:http";

export interface RawResponse {
  status: number;
  body: Buffer;
}

export class RawGameLiftClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly url: URL;
  private readonly headers: Record<string, string>;

  constructor(endpoint: string, region: string, accessKeyId = "AKIDLIFTLOGBENCH") {
    this.url = new URL(endpoint);
    this.headers = {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Date": "20260101T000000Z",
      Authorization:
        `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/${region}/gamelift/aws4_request, ` +
        `SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${"0".repeat(64)}`,
    };
  }

  call(operation: string, body: string): Promise<RawResponse> {
    return this.post("/", { ...this.headers, "X-Amz-Target": `GameLift.${operation}` }, body);
  }

  /** POSTs a body (JSON unless told) to an admin endpoint such as /_liftlog/events; a non-200 answer is an error that quotes the server. */
  async admin(path: string, body: string, contentType = "application/json"): Promise<Buffer> {
    return okBody(path, await this.post(path, { "Content-Type": contentType }, body));
  }

  private post(path: string, headers: Record<string, string>, body: string): Promise<RawResponse> {
    return this.send(path, headers, body).catch((err: Error & { reusedSocket?: boolean; code?: string }) => {
      // The server closed the idle connection just as it was reused (keep-alive timeout): once more
      // on a fresh one, as node's documentation advises.
      if (err.reusedSocket && err.code === "ECONNRESET") return this.send(path, headers, body);
      throw err;
    });
  }

  private send(path: string, headers: Record<string, string>, body: string): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method: "POST",
          path,
          headers: { ...headers, "Content-Length": Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on("error", reject);
        },
      );
      req.on("error", (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
      req.end(body);
    });
  }

  /** Like call(), but a non-200 answer is an error that quotes the server. */
  async ok(operation: string, body: string): Promise<Buffer> {
    return okBody(operation, await this.call(operation, body));
  }

  close(): void {
    this.agent.destroy();
  }
}

function okBody(what: string, res: RawResponse): Buffer {
  if (res.status !== 200) throw new Error(`${what} answered ${res.status}: ${res.body.toString("utf8").slice(0, 300)}`);
  return res.body;
}
