/**
 * Opaque pagination tokens: a small JSON payload (a keyset position) plus an HMAC that binds it
 * to the request that produced it (operation, account, region, fleet, time range). A token that
 * does not decode, or whose MAC does not verify for this request, is an InvalidRequestException;
 * the server never acts on a position it did not sign.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from "node:crypto";
import { invalidRequest } from "../protocol/errors.js";

const MAC_BYTES = 16;

export class TokenSigner {
  /** A key object once, rather than the key's bytes imported again by every HMAC (two per page). */
  private readonly key: KeyObject;

  constructor(secret: Buffer) {
    this.key = createSecretKey(secret);
  }

  private mac(binding: readonly unknown[], payload: string): Buffer {
    return createHmac("sha256", this.key)
      .update(`${JSON.stringify(binding)}\n${payload}`)
      .digest()
      .subarray(0, MAC_BYTES);
  }

  seal(binding: readonly unknown[], position: unknown): string {
    const payload = JSON.stringify(position);
    return `${Buffer.from(payload).toString("base64url")}.${this.mac(binding, payload).toString("base64url")}`;
  }

  /** The position sealed in `token`, if it was sealed for `binding`; otherwise InvalidRequestException. */
  open(token: string, binding: readonly unknown[]): unknown {
    const dot = token.indexOf(".");
    const payload = dot > 0 ? Buffer.from(token.slice(0, dot), "base64url").toString("utf8") : "";
    const given = dot > 0 ? Buffer.from(token.slice(dot + 1), "base64url") : Buffer.alloc(0);
    if (given.length !== MAC_BYTES) {
      throw invalidRequest(
        "Invalid NextToken: it is not a token this service issued. Pass the NextToken from a previous response unchanged.",
      );
    }
    if (!timingSafeEqual(given, this.mac(binding, payload))) {
      throw invalidRequest(
        "Invalid NextToken: it does not belong to this request. A token is valid only with the same fleet, StartTime and EndTime, account and region as the request that returned it.",
      );
    }
    return JSON.parse(payload);
  }
}
