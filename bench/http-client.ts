/**
 * A minimal GameLift JSON 1.1 client for benchmarks: one keep-alive connection, request bodies
 * built in advance, and a fixed, well-formed SigV4 Authorization header (the server does not verify
 * signatures by default), so that the client costs next to nothing per request.
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
    return this.send(operation, body).catch((err: Error & { reusedSocket?: boolean; code?: string }) => {
      // The server closed the idle connection just as it was reused (keep-alive timeout): once more
      // on a fresh one, as node's documentation advises.
      if (err.reusedSocket && err.code === "ECONNRESET") return this.send(operation, body);
      throw err;
    });
  }

  private send(operation: string, body: string): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method: "POST",
          path: "/",
          headers: { ...this.headers, "X-Amz-Target": `GameLift.${operation}`, "Content-Length": Buffer.byteLength(body) },
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
    const res = await this.call(operation, body);
    if (res.status !== 200) throw new Error(`${operation} answered ${res.status}: ${res.body.toString("utf8").slice(0, 300)}`);
    return res.body;
  }

  close(): void {
    this.agent.destroy();
  }
}
