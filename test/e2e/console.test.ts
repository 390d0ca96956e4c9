/**
 * The web console in headless Chromium against the real server: what a person sees is what the
 * GameLift API says. Each test saves a screenshot under test-output/e2e/.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  DescribeContainerFleetCommand,
  DescribeFleetAttributesCommand,
  ListContainerFleetsCommand,
  ListFleetsCommand,
  paginateDescribeFleetEvents,
  type GameLiftClient,
} from "@aws-sdk/client-gamelift";
import type { Page } from "playwright-core";
import {
  admin,
  expectedOrder,
  gamelift,
  ingest,
  registerFleet,
  startServer,
  type IngestedEvent,
  type RunningServer,
} from "../helpers/server.js";
import { chromiumMissing, consoleMissing, openBrowser, screenshot, type Browser } from "./browser.js";

// The functions given to page.evaluate run in the browser. The tests compile without the DOM library
// (it would change Node's fetch types for the whole build), so the few DOM names they use are declared here.
interface El {
  textContent: string | null;
  scrollTop: number;
  clientHeight: number;
  scrollHeight: number;
  dataset: Record<string, string | undefined>;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El>;
}
declare const document: El;
declare function requestAnimationFrame(callback: (time: number) => void): number;

const REGION = "us-west-2";
const skip = chromiumMissing() ?? consoleMissing();

/** Every row the virtual list renders while it is scrolled from top to bottom: index → EventId. */
async function scrollWholeList(page: Page): Promise<{ ids: string[]; conflicts: string[]; end: string }> {
  return page.evaluate(async () => {
    const list = document.querySelector("[data-testid=event-list]")!;
    const byIndex = new Map<number, string>();
    const conflicts: string[] = [];
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const endText = () => document.querySelector("[data-testid=list-end]")?.textContent ?? "";
    list.scrollTop = 0;
    await frame();
    for (let step = 0; step < 100_000; step++) {
      for (const slot of Array.from(list.querySelectorAll("[data-index]"))) {
        const id = slot.querySelector("[data-event-id]")?.dataset.eventId;
        if (!id) continue;
        const index = Number(slot.dataset.index);
        const known = byIndex.get(index);
        if (known && known !== id) conflicts.push(`${index}: ${known} / ${id}`);
        byIndex.set(index, id);
      }
      const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 2;
      if (atBottom && endText().startsWith("End of events")) break;
      if (atBottom) {
        // The next page is on its way; the list grows when it lands.
        const started = Date.now();
        while (
          list.scrollTop + list.clientHeight >= list.scrollHeight - 2 &&
          !endText().startsWith("End") &&
          Date.now() - started < 15_000
        ) {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      list.scrollTop += list.clientHeight * 0.8;
      await frame();
    }
    const ids = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, id]) => id);
    return { ids, conflicts, end: endText() };
  });
}

const codesOfList = (page: Page) => page.$$eval("[data-event-id] .code", (els) => els.map((e) => e.textContent ?? ""));

describe("web console in Chromium", { skip, timeout: 300_000 }, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let client: GameLiftClient;
  const base = Math.floor(Date.now() / 1000) - 86_400;
  /** Every URL the page asked for, in any test. */
  const requested: string[] = [];

  before(async () => {
    server = await startServer({ args: ["--clock", "manual"] });
    client = gamelift(server.endpoint, REGION);
    browser = await openBrowser();
    page = browser.page;
    page.on("pageerror", (err) => console.error("page error:", err.message));
    page.on("request", (req) => requested.push(req.url()));
  });
  after(async () => {
    await browser?.close();
    client?.destroy();
    await server?.dispose();
  });

  const openFleet = async (fleetId: string, query = "") => {
    await page.goto(`${server.endpoint}/fleets/${fleetId}${query}`);
    // The list's first row: an event, or the row that says the list is loading or empty.
    await page.waitForSelector('[data-testid=event-list] [data-index="0"]');
  };

  it("the fleets list matches ListFleets, unhealthy fleets first", async () => {
    const healthy = await registerFleet(server.endpoint, REGION);
    const broken = await registerFleet(server.endpoint, REGION);
    const quiet = await registerFleet(server.endpoint, REGION);
    await ingest(server.endpoint, healthy.FleetId, [{ EventCode: "FLEET_STATE_ACTIVE", Message: "up", EventTime: base }]);
    await ingest(server.endpoint, broken.FleetId, [
      { EventCode: "FLEET_STATE_ACTIVATING", Message: "activating", EventTime: base },
      { EventCode: "FLEET_ACTIVATION_FAILED", Message: "no process reported ready", EventTime: base + 1 },
      { EventCode: "FLEET_STATE_ERROR", Message: "error", EventTime: base + 2 },
    ]);
    // A fleet in another region is not listed.
    await registerFleet(server.endpoint, "eu-west-1");

    await page.goto(server.endpoint + "/");
    await page.selectOption("select[aria-label=Region]", REGION);
    await page.waitForSelector(`tr[data-fleet-id="${quiet.FleetId}"]`);

    const listed = (await client.send(new ListFleetsCommand({}))).FleetIds!;
    const described = (await client.send(new DescribeFleetAttributesCommand({ FleetIds: listed }))).FleetAttributes!;
    const rows = await page.$$eval("tr[data-fleet-id]", (trs) =>
      trs.map((tr) => ({
        id: (tr as unknown as El).dataset.fleetId!,
        name: tr.querySelector(".fleet-name")!.textContent,
        status: tr.querySelector(".pill")!.textContent,
      })),
    );
    assert.deepEqual(rows.map((r) => r.id).sort(), [...listed].sort());
    for (const a of described)
      assert.deepEqual(
        rows.find((r) => r.id === a.FleetId),
        { id: a.FleetId, name: a.Name, status: a.Status },
      );
    assert.equal(rows[0]!.id, broken.FleetId, "the fleet in ERROR comes first");
    assert.match((await page.textContent("[data-testid=fleet-summary]")) ?? "", /1 of 3 fleets need attention: 1 ERROR/);
    assert.match((await page.textContent(`tr[data-fleet-id="${broken.FleetId}"] .reason`)) ?? "", /FLEET_ACTIVATION_FAILED/);
    await screenshot(page, "fleets-list");

    // Search by name narrows the rows; keyboard: "/" focuses the search box.
    await page.keyboard.press("/");
    await page.keyboard.type(rows[2]!.name!);
    assert.deepEqual(await page.$$eval("tr[data-fleet-id]", (trs) => trs.map((tr) => (tr as unknown as El).dataset.fleetId)), [
      rows[2]!.id,
    ]);
  });

  it("scrolling a fleet of 5,000 events loads all of them, in order, with no duplicate", async () => {
    const fleet = await registerFleet(server.endpoint, REGION);
    const codes = ["GENERIC_EVENT", "SERVER_PROCESS_CRASHED", "FLEET_SCALING_EVENT", "INSTANCE_RECYCLED"];
    // Three events per second: ties in EventTime are ordered by arrival, as DescribeFleetEvents orders them.
    const events: IngestedEvent[] = Array.from({ length: 5000 }, (_, i) => ({
      EventCode: codes[i % codes.length]!,
      Message: `event ${i}`,
      EventTime: base + Math.floor(i / 3),
    }));
    const ids = await ingest(server.endpoint, fleet.FleetId, events);
    await openFleet(fleet.FleetId);

    const seen = await scrollWholeList(page);
    assert.deepEqual(seen.conflicts, []);
    assert.equal(seen.end, "End of events.");
    assert.equal(new Set(seen.ids).size, seen.ids.length, "no event twice");
    assert.deepEqual(seen.ids, expectedOrder(ids, events));
    assert.match((await page.textContent("[data-testid=event-count]")) ?? "", /^5,000 events$/);
    await screenshot(page, "scrolled-5000");
  });

  it("a filter narrows the list to the events that match", async () => {
    const fleet = await registerFleet(server.endpoint, REGION);
    const events: IngestedEvent[] = Array.from({ length: 1500 }, (_, i) => ({
      EventCode: i % 10 === 0 ? "SERVER_PROCESS_CRASHED" : "GENERIC_EVENT",
      Message: `event ${i}`,
      EventTime: base + i,
    }));
    const ids = await ingest(server.endpoint, fleet.FleetId, events);
    await openFleet(fleet.FleetId);
    await page.selectOption("select[aria-label='Event code']", "SERVER_PROCESS_CRASHED");
    const expected = expectedOrder(ids, events).filter((id) => events[ids.indexOf(id)]!.EventCode === "SERVER_PROCESS_CRASHED");
    await page.waitForFunction((n) => document.querySelector("[data-testid=event-count]")?.textContent === `${n} events`, expected.length);
    const seen = await scrollWholeList(page);
    assert.deepEqual(seen.ids, expected);
    assert.ok((await codesOfList(page)).every((c) => c === "SERVER_PROCESS_CRASHED"));
    assert.match(page.url(), /[?&]code=SERVER_PROCESS_CRASHED/);
    await page.evaluate(() => (document.querySelector("[data-testid=event-list]")!.scrollTop = 0));
    await screenshot(page, "filter-code");
  });

  it("a log link opens the event's log in the side panel", async () => {
    const fleet = await registerFleet(server.endpoint, REGION);
    const log = "Installing build...\nERROR: install.sh exited with code 2\n";
    await ingest(server.endpoint, fleet.FleetId, [
      { EventCode: "FLEET_CREATION_RUNNING_INSTALLER", Message: "running the install script", EventTime: base },
      { EventCode: "FLEET_CREATION_FAILED_INSTALLER", Message: "install script failed", EventTime: base + 5, Log: log },
      { EventCode: "FLEET_STATE_ERROR", Message: "error", EventTime: base + 6 },
    ]);
    await openFleet(fleet.FleetId);
    await page.click("[data-event-id] .log-button");
    assert.equal(await (await page.waitForSelector("[data-testid=log-text]")).textContent(), log);
    await screenshot(page, "log-panel");
    await page.keyboard.press("Escape");
    await page.waitForSelector("[data-testid=log-text]", { state: "detached" });

    // Keyboard: clicking the row's log button selected it; k moves up to the newest event, j back
    // down to the failure, and Enter opens its log.
    const selectedId = () => page.getAttribute(".event.selected", "data-event-id");
    await page.keyboard.press("k");
    assert.equal(await selectedId(), await page.getAttribute('[data-index="0"] .event', "data-event-id"));
    await page.keyboard.press("j");
    assert.equal(await selectedId(), await page.getAttribute('[data-index="1"] .event', "data-event-id"));
    await page.keyboard.press("Enter");
    assert.equal(await (await page.waitForSelector("[data-testid=log-text]")).textContent(), log);
  });

  it("a repeated event shows its Count as a badge", async () => {
    const fleet = await registerFleet(server.endpoint, REGION);
    const [repeated, single] = await ingest(server.endpoint, fleet.FleetId, [
      { EventCode: "SERVER_PROCESS_CRASHED", Message: "exit 139", EventTime: base, Count: 7 },
      { EventCode: "GENERIC_EVENT", Message: "once", EventTime: base + 1 },
    ]);
    await openFleet(fleet.FleetId);
    assert.equal(await page.textContent(`[data-event-id="${repeated}"] .badge`), "×7");
    assert.equal(await page.$(`[data-event-id="${single}"] .badge`), null);
    await screenshot(page, "count-badge");
  });

  it("a deep link restores the time range and filters", async () => {
    const fleet = await registerFleet(server.endpoint, REGION);
    const events: IngestedEvent[] = Array.from({ length: 200 }, (_, i) => ({
      EventCode: i % 2 ? "FLEET_SCALING_EVENT" : "GENERIC_EVENT",
      Message: `event ${i}`,
      EventTime: base + i * 60,
    }));
    const ids = await ingest(server.endpoint, fleet.FleetId, events);
    const start = base + 50 * 60;
    const end = base + 120 * 60;
    const query = `?start=${new Date(start * 1000).toISOString()}&end=${new Date(end * 1000).toISOString()}&category=Other&code=FLEET_SCALING_EVENT`;
    await openFleet(fleet.FleetId, query);

    await page.waitForFunction(() => document.querySelector("[data-testid=event-count]")?.textContent === "35 events");
    assert.equal(await page.inputValue("select[aria-label=Category]"), "Other");
    assert.equal(await page.inputValue("select[aria-label='Event code']"), "FLEET_SCALING_EVENT");
    const local = (s: number) => {
      const d = new Date(s * 1000 - new Date(s * 1000).getTimezoneOffset() * 60_000);
      return d.toISOString().slice(0, 16);
    };
    assert.equal(await page.inputValue("input[aria-label=From]"), local(start));
    assert.equal(await page.inputValue("input[aria-label=To]"), local(end));
    const expected = expectedOrder(ids, events).filter((id) => {
      const e = events[ids.indexOf(id)]!;
      return e.EventCode === "FLEET_SCALING_EVENT" && e.EventTime! >= start && e.EventTime! <= end;
    });
    assert.equal(expected.length, 35);
    assert.deepEqual((await scrollWholeList(page)).ids, expected);
    await screenshot(page, "deep-link");
  });

  it("an event ingested through the API appears live, at the top, within a second", async () => {
    const fleet = await registerFleet(server.endpoint, REGION);
    await ingest(server.endpoint, fleet.FleetId, [
      { EventCode: "FLEET_STATE_ACTIVE", Message: "up", EventTime: base },
      { EventCode: "GENERIC_EVENT", Message: "older", EventTime: base + 1 },
    ]);
    await openFleet(fleet.FleetId);
    await page.waitForFunction(() => document.querySelector("[data-testid=live-state]")?.textContent === "● Live");

    const [id] = await ingest(server.endpoint, fleet.FleetId, [{ EventCode: "SERVER_PROCESS_CRASHED", Message: "exit 139 (live)" }]);
    await page.waitForSelector(`[data-index="0"] [data-event-id="${id}"]`, { timeout: 1000 });
    assert.equal(await page.textContent(`[data-event-id="${id}"] .message`), "exit 139 (live)");
    assert.match((await page.textContent("[data-testid=event-count]")) ?? "", /^3 events$/);
    await screenshot(page, "live-tail");

    // The fleets list follows the feed too: the fleet turns ERROR where it stands.
    await page.goto(server.endpoint + "/");
    const row = `tr[data-fleet-id="${fleet.FleetId}"]`;
    await page.waitForSelector(row);
    await page.waitForFunction(() => document.querySelector(".live")?.textContent === "● Live");
    await ingest(server.endpoint, fleet.FleetId, [{ EventCode: "FLEET_STATE_ERROR", Message: "down" }]);
    await page.waitForFunction((sel) => document.querySelector(`${sel} .pill`)?.textContent === "ERROR", row, { timeout: 1000 });
    assert.equal(await page.getAttribute("tr[data-fleet-id]", "data-fleet-id"), fleet.FleetId, "a fleet in ERROR moves to the top");
  });

  it("the page asks nothing of any address but the server's", () => {
    assert.ok(requested.length > 50, `${requested.length} requests`);
    assert.deepEqual(
      requested.filter((url) => !url.startsWith(server.endpoint + "/") && !url.startsWith("data:")),
      [],
    );
  });

  it("a scenario fleet's failure shows on the timeline", async () => {
    await page.goto(server.endpoint + "/scenarios");
    await page.click("tr[data-scenario=launch-path-not-found] button");
    await page.waitForURL(/\/fleets\/fleet-/);
    const fleetId = page.url().split("/fleets/")[1]!.split("?")[0]!;
    assert.equal((await client.send(new DescribeFleetAttributesCommand({ FleetIds: [fleetId] }))).FleetAttributes![0]!.Status, "NEW");
    // The manual clock runs the creation to its end.
    assert.equal((await admin(server.endpoint, "/_liftlog/clock", { AdvanceSeconds: 3600 })).status, 200);
    await page.reload();
    const mark = await page.waitForSelector(".failure-mark");
    assert.match((await mark.textContent()) ?? "", /FLEET_VALIDATION_LAUNCH_PATH_NOT_FOUND/);
    const legend = (await page.textContent(".legend-states")) ?? "";
    assert.match(legend, /NEW.*DOWNLOADING.*VALIDATING.*ERROR/);

    const codes: string[] = [];
    for await (const p of paginateDescribeFleetEvents({ client }, { FleetId: fleetId })) codes.push(...p.Events!.map((e) => e.EventCode!));
    assert.ok(codes.includes("FLEET_VALIDATION_LAUNCH_PATH_NOT_FOUND"));
    assert.deepEqual(await codesOfList(page), codes);
    await screenshot(page, "scenario-timeline");
  });

  it("the container-only scenario launches a container fleet, which plays it and appears in the fleets list", async () => {
    await page.goto(server.endpoint + "/scenarios");
    const button = "tr[data-scenario=container-crash] button";
    assert.equal(await page.isEnabled(button), true, "the container-crash scenario can be launched");
    await page.click(button);
    await page.waitForURL(/\/fleets\/containerfleet-/);
    const fleetId = page.url().split("/fleets/")[1]!.split("?")[0]!;
    const { ContainerFleet } = await client.send(new DescribeContainerFleetCommand({ FleetId: fleetId }));
    assert.equal(ContainerFleet!.Status, "PENDING");
    // DescribeFleetAttributes names no ComputeType for it; the console still calls it a container fleet.
    await page.waitForSelector("[data-testid=fleet-kind] >> text=/^Container/");
    // The manual clock runs the creation to ACTIVE and then four of the scenario's crashes.
    assert.equal((await admin(server.endpoint, "/_liftlog/clock", { AdvanceSeconds: 170 + 30 * 4 })).status, 200);
    await page.reload();
    await page.waitForSelector("[data-event-id] .code >> text=GAME_SERVER_CONTAINER_GROUP_CRASHED");
    const codes: string[] = [];
    for await (const p of paginateDescribeFleetEvents({ client }, { FleetId: fleetId })) codes.push(...p.Events!.map((e) => e.EventCode!));
    assert.equal(codes[0], "GAME_SERVER_CONTAINER_GROUP_CRASHED");
    assert.ok(codes.includes("FLEET_STATE_ACTIVE"), codes.join(" "));
    assert.deepEqual(await codesOfList(page), codes);
    await screenshot(page, "scenario-container-fleet");

    await page.goto(server.endpoint + "/");
    await page.waitForSelector(`tr[data-fleet-id="${fleetId}"]`);
    const { FleetIds } = await client.send(new ListFleetsCommand({}));
    assert.ok(FleetIds!.includes(fleetId));
    const kinds = Object.fromEntries(
      await page.$$eval("tr[data-fleet-id]", (trs) =>
        trs.map((tr) => [(tr as unknown as El).dataset.fleetId!, tr.querySelector(".fleet-kind")!.textContent]),
      ),
    );
    const { ContainerFleets } = await client.send(new ListContainerFleetsCommand({}));
    const containers = new Set(ContainerFleets!.map((f) => f.FleetId));
    assert.ok(containers.has(fleetId));
    const { FleetAttributes } = await client.send(new DescribeFleetAttributesCommand({ FleetIds }));
    assert.deepEqual(
      kinds,
      Object.fromEntries(
        FleetAttributes!.map((a) => [
          a.FleetId,
          containers.has(a.FleetId) ? "Container" : a.ComputeType === "ANYWHERE" ? "ANYWHERE" : "EC2",
        ]),
      ),
    );
    assert.equal(kinds[fleetId], "Container");
  });
});

describe("web console with an admin token", { skip, timeout: 120_000 }, () => {
  const token = "console-test-token";
  let server: RunningServer;
  let browser: Browser;

  before(async () => {
    server = await startServer({ args: ["--admin-token", token] });
    browser = await openBrowser({ colorScheme: "dark" });
  });
  after(async () => {
    await browser?.close();
    await server?.dispose();
  });

  it("asks for the token, keeps it, and sends it to the admin API and the feed", async () => {
    const { page } = browser;
    const headers = { Authorization: `Bearer ${token}` };
    const fleet = await admin(server.endpoint, "/_liftlog/fleets", { Name: "token-fleet", Region: REGION }, headers);
    assert.equal(fleet.status, 200);
    await page.goto(server.endpoint + "/?region=" + REGION);
    await page.waitForSelector("[role=dialog][aria-label='Admin token']");
    await screenshot(page, "admin-token-dialog");
    await page.fill("[role=dialog] input", token);
    await page.click("[role=dialog] button[type=submit]");
    await page.waitForSelector(`tr[data-fleet-id="${fleet.body.FleetId}"]`);
    await page.waitForFunction(() => document.querySelector(".live")?.textContent === "● Live");
    assert.equal(await page.$("[role=dialog]"), null);
    await screenshot(page, "admin-token-dark");

    // Kept in the browser: a new page needs no prompt, and the scenarios (admin API) load.
    await page.goto(server.endpoint + "/scenarios");
    await page.waitForSelector("tr[data-scenario=launch-path-not-found]");
    assert.equal(await page.$("[role=dialog]"), null);
  });
});
