/**
 * Pre-signed log URLs. An event with a log gets a URL to this server's own log endpoint, signed
 * with an expiry 15 minutes after the Describe call that minted it (on the service clock).
 *   <base>/logs/<account>/<region>/<eventId>?Expires=<epoch seconds>&Signature=<hex HMAC>
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from "node:crypto";
import type { Scope } from "../store/types.js";

export const LOG_URL_TTL_SECONDS = 15 * 60;

export type LogAccess = { ok: true } | { ok: false; reason: "expired" | "signature"; expires?: number };

export class LogUrls {
  /** A key object once, rather than the key's bytes imported again by every HMAC. */
  private readonly key: KeyObject;

  constructor(secret: Buffer) {
    this.key = createSecretKey(secret);
  }

  private sign(scope: Scope, eventId: string, expires: number): string {
    return createHmac("sha256", this.key).update(`log\n${scope.accountId}\n${scope.region}\n${eventId}\n${expires}`).digest("hex");
  }

  mint(baseUrl: string, scope: Scope, eventId: string, nowMs: number): string {
    const expires = Math.floor(nowMs / 1000) + LOG_URL_TTL_SECONDS;
    const path = [scope.accountId, scope.region, eventId].map(encodeURIComponent).join("/");
    return `${baseUrl}/logs/${path}?Expires=${expires}&Signature=${this.sign(scope, eventId, expires)}`;
  }

  check(scope: Scope, eventId: string, expiresParam: string | null, signature: string | null, nowMs: number): LogAccess {
    const expires = Number(expiresParam);
    if (!expiresParam || !Number.isSafeInteger(expires) || !signature || !/^[0-9a-f]{64}$/.test(signature)) {
      return { ok: false, reason: "signature" };
    }
    const expected = Buffer.from(this.sign(scope, eventId, expires), "hex");
    if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) return { ok: false, reason: "signature" };
    // Whole seconds, as Expires is: a URL minted at 12:00:00.400 opens until 12:15:00.999.
    if (Math.floor(nowMs / 1000) > expires) return { ok: false, reason: "expired", expires };
    return { ok: true };
  }
}
