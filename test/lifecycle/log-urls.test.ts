/**
 * The logs behind PreSignedLogUrl, on the manual clock: a URL opens its log for 15 minutes after
 * the Describe call that minted it, then answers 403 (S3's XML error, "Request has expired"); any
 * tampering (signature, expiry, event, account) answers 403 SignatureDoesNotMatch.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Event } from "@aws-sdk/client-gamelift";
import { advance, allEvents, clockNow, ec2Fleet, LAUNCH_PATH, manualFixture } from "./helpers.js";

describe("pre-signed log URLs", () => {
  const f = manualFixture();
  let fleetId: string;
  let events: Event[];
  let mintedAt: number;

  before(async () => {
    fleetId = (await ec2Fleet(f.client, f.buildId, "installer-failed")).FleetAttributes!.FleetId!;
    await advance(f.server.endpoint, 600);
    mintedAt = await clockNow(f.server.endpoint);
    events = await allEvents(f.client, fleetId);
  });

  const urlOf = (code: string) => events.find((e) => e.EventCode === code)!.PreSignedLogUrl!;

  async function denied(url: string, code: string, message: RegExp) {
    const res = await fetch(url);
    assert.equal(res.status, 403);
    assert.match(res.headers.get("content-type")!, /xml/);
    const body = await res.text();
    assert.match(body, new RegExp(`<Error><Code>${code}</Code><Message>`));
    assert.match(body, message);
    return body;
  }

  it("each log says what its stage did: files extracted, installer steps, the failure", async () => {
    const extracted = await (await fetch(urlOf("FLEET_CREATION_EXTRACTING_BUILD"))).text();
    assert.match(extracted, new RegExp(`fleet ${fleetId} instance i-[0-9a-f]{17} \\(us-west-2\\): extracting build ${f.buildId}`));
    assert.match(extracted, new RegExp(`inflating: ${LAUNCH_PATH}\\n`));
    assert.match(extracted, /Extracted 4 files to \/local\/game/);
    const installing = await (await fetch(urlOf("FLEET_CREATION_RUNNING_INSTALLER"))).text();
    assert.match(installing, /running install script \/local\/game\/install.sh/);
    const res = await fetch(urlOf("FLEET_CREATION_FAILED_INSTALLER"));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^text\/plain/);
    const failed = await res.text();
    assert.match(failed, /step 2\/3: installing runtime libraries \.\.\. FAILED/);
    assert.match(failed, /Install script exited with code 1; fleet creation stops before validation\./);
  });

  it("valid for 15 minutes after the Describe call that minted it, expired a second later", async () => {
    const url = urlOf("FLEET_CREATION_FAILED_INSTALLER");
    assert.equal(new URL(url).searchParams.get("Expires"), String(Math.floor(mintedAt / 1000) + 900));
    await advance(f.server.endpoint, 900 - ((await clockNow(f.server.endpoint)) - mintedAt) / 1000);
    assert.equal((await fetch(url)).status, 200, "still valid at 15 minutes");
    await advance(f.server.endpoint, 1);
    const body = await denied(url, "AccessDenied", /<Message>Request has expired<\/Message><Expires>[^<]+<\/Expires><ServerTime>/);
    assert.match(body, /<RequestId>[0-9a-f-]{36}<\/RequestId>/);
    // Each Describe call mints a fresh URL.
    const fresh = (await allEvents(f.client, fleetId)).find((e) => e.EventCode === "FLEET_CREATION_FAILED_INSTALLER")!.PreSignedLogUrl!;
    assert.notEqual(fresh, url);
    assert.equal((await fetch(fresh)).status, 200);
  });

  it("a tampered URL is refused: signature, expiry, event, account or region changed", async () => {
    events = await allEvents(f.client, fleetId);
    const url = new URL(urlOf("FLEET_CREATION_FAILED_INSTALLER"));
    const other = new URL(urlOf("FLEET_CREATION_EXTRACTING_BUILD"));
    const signature = url.searchParams.get("Signature")!;
    const variants = [
      () => url.searchParams.set("Signature", (signature[0] === "a" ? "b" : "a") + signature.slice(1)),
      () => url.searchParams.set("Signature", signature.slice(0, 20)),
      () => url.searchParams.delete("Signature"),
      () => url.searchParams.set("Expires", String(Number(url.searchParams.get("Expires")) + 3600)),
      () => url.searchParams.set("Expires", "soon"),
      () => (url.pathname = other.pathname),
      () => (url.pathname = url.pathname.replace("/000000000000/", "/111111111111/")),
      () => (url.pathname = url.pathname.replace("/us-west-2/", "/us-east-1/")),
    ];
    for (const tamper of variants) {
      const original = url.toString();
      tamper();
      await denied(
        url.toString(),
        "SignatureDoesNotMatch",
        /The request signature we calculated does not match the signature you provided\./,
      );
      url.href = original;
    }
    assert.equal((await fetch(url)).status, 200, "the untouched URL still opens");
  });
});
