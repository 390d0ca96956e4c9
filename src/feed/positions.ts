/**
 * The `id:` of each stream message: an opaque position, sealed with an HMAC under the deployment's
 * secret (shared by every node) and bound to the stream's account, region and fleet. The server
 * never reads from a position it did not sign: a garbled, forged or foreign one is an
 * InvalidRequestException.
 *
 * Two kinds: "live" (an append position: resume right after that append) and "replay" (inside a
 * `since` replay: the EventTime and sequence number reached, and the append head the replay ends at).
 */
import { TokenSigner } from "../operations/tokens.js";
import { invalidRequest } from "../protocol/errors.js";
import type { AppendPosition, Cursor, Scope } from "../store/types.js";

export type StreamStart =
  | { kind: "live"; after: AppendPosition }
  | { kind: "replay"; sinceMs: number; from?: Cursor; head: AppendPosition };

export interface StreamTarget {
  scope: Scope;
  /** Absent: every fleet of the scope. */
  fleetId?: string;
}

const binding = (target: StreamTarget) => ["EventStream", target.scope.accountId, target.scope.region, target.fleetId ?? "*"];

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);

export class StreamPositions {
  constructor(private readonly signer: TokenSigner) {}

  live(target: StreamTarget, p: AppendPosition): string {
    return this.signer.seal(binding(target), ["L", p.txid, p.seq]);
  }

  replay(target: StreamTarget, at: Cursor, head: AppendPosition): string {
    return this.signer.seal(binding(target), ["R", at.eventTimeMs, at.seq, head.txid, head.seq]);
  }

  /** Where a stream resumes from the position `token` (a Last-Event-ID or ?after=). */
  open(target: StreamTarget, token: string): StreamStart {
    let sealed: unknown;
    try {
      sealed = this.signer.open(token, binding(target));
    } catch {
      throw invalidRequest(
        `Last-Event-ID (or after) ${JSON.stringify(token.slice(0, 200))} is not a position this service issued for this stream. ` +
          "Pass the id: of a message from a stream of the same fleet (or scope), account and region, unchanged.",
      );
    }
    const [kind, a, b, c, d] = sealed as unknown[];
    if (kind === "L" && isInt(a) && isInt(b)) return { kind: "live", after: { txid: a, seq: b } };
    if (kind === "R" && isInt(a) && isInt(b) && isInt(c) && isInt(d)) {
      return { kind: "replay", sinceMs: a, from: { eventTimeMs: a, seq: b }, head: { txid: c, seq: d } };
    }
    throw invalidRequest("Last-Event-ID (or after) holds a position this version of liftlog cannot read; start the stream again.");
  }
}
