/**
 * `liftlog seed`: fills a data dir (or a PostgreSQL database) with a demo (src/seed/demo.ts),
 * written in-process through the Store. A server may be running on the same store meanwhile
 * (SQLite WAL, or PostgreSQL): each fleet appears whole, with all of its events, in one transaction.
 */
import { randomInt } from "node:crypto";
import cliProgress from "cli-progress";
import { defaultConfig } from "../config.js";
import { UsageError, integerOption, parseCommand } from "./args.js";
import { SUPPORTED_REGIONS } from "../operations/regions.js";
import { isPostgresUrl, openStore } from "../server.js";
import { redactPassword } from "./serve.js";
import { planDemo, type DemoOptions } from "../seed/demo.js";
import { SeedConflictError, writeDemo, type SeededFleet } from "../seed/write.js";

const MAX_FLEETS = 1000;
const MAX_DAYS = 365;
const MAX_SEED = 2 ** 32 - 1;

const HELP = `Usage: liftlog seed [options]

Writes demo fleets and their event logs into a data dir, in-process (no server needed; a server
running on the same data dir sees each fleet appear whole).

  --data-dir DIR      the data dir to fill (default ./liftlog-data; env LIFTLOG_DATA_DIR), as for 'liftlog serve'
  --db URL            fill this PostgreSQL database instead (env LIFTLOG_DB), as for 'liftlog serve'
  --fleets N          how many fleets (default 6, 1..${MAX_FLEETS}); the first four are a steady fleet,
                      a spot fleet, a fleet that fails validation and a fleet deleted midway
  --days N            how many days of history, ending at --end-time (default 7, 1..${MAX_DAYS})
  --region R          the fleets' region (default us-east-1; env LIFTLOG_DEFAULT_REGION)
  --account A         the fleets' 12-digit account (default 000000000000; env LIFTLOG_DEFAULT_ACCOUNT)
  --random-seed N     makes the demo repeatable: same seed, same fleets, events and IDs (0..${MAX_SEED};
                      default: a random one, printed at the end)
  --end-time T        when the history ends: epoch seconds or ISO 8601 (default: now)`;

export async function seed(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`liftlog seed: ${err.message}\nRun 'liftlog seed --help' for the options.`);
    return 2;
  }
  if (!parsed) return 0;
  const { options, dataDir, db, port, defaultAccount } = parsed;
  const config = { ...defaultConfig(), dataDir, db };
  const plan = planDemo(options);
  const total = plan.reduce((n, f) => n + f.events.length, 0);
  const started = Date.now();
  const store = await openStore(config);
  const bar = process.stdout.isTTY
    ? new cliProgress.SingleBar(
        { format: "seeding |{bar}| {value}/{total} events, {fleets}/{fleetTotal} fleets", stream: process.stdout, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let seeded: SeededFleet[];
  try {
    bar?.start(total, 0, { fleets: 0, fleetTotal: plan.length });
    let fleets = 0;
    seeded = await writeDemo(store, plan, (n) => bar?.increment(n, { fleets: ++fleets }));
  } catch (err) {
    if (!(err instanceof SeedConflictError)) throw err;
    console.error(`liftlog seed: ${err.message}`);
    return 1;
  } finally {
    bar?.stop();
    await store.close();
  }
  const target = db
    ? { where: redactPassword(db), serve: `--db ${redactPassword(db)}` }
    : { where: dataDir, serve: `--data-dir ${dataDir}` };
  printReport(seeded, { ...options, ...target, port, defaultAccount, total, seconds: (Date.now() - started) / 1000 });
  return 0;
}

function parseOptions(args: string[]) {
  const flags = {
    "data-dir": { type: "string" },
    db: { type: "string" },
    fleets: { type: "string" },
    days: { type: "string" },
    region: { type: "string" },
    account: { type: "string" },
    "random-seed": { type: "string" },
    "end-time": { type: "string" },
  } as const;
  const parsed = parseCommand({ options: flags, help: HELP }, args);
  if (!parsed) return undefined;
  const { values } = parsed;
  const config = defaultConfig();
  const dataDir = values["data-dir"] ?? config.dataDir;
  const db = values.db ?? config.db;
  if (db !== undefined && !isPostgresUrl(db)) throw new UsageError(`--db must be a postgres:// or postgresql:// URL, got '${db}'`);
  if (dataDir === ":memory:" && db === undefined)
    throw new UsageError("--data-dir :memory: would be thrown away when seeding ends; give a directory");
  const region = values.region ?? config.defaultRegion;
  if (!SUPPORTED_REGIONS.has(region))
    throw new UsageError(`--region '${region}' is not a GameLift region; use one such as us-east-1 or eu-west-1`);
  const accountId = values.account ?? config.defaultAccount;
  if (!/^\d{12}$/.test(accountId)) throw new UsageError(`--account must be a 12-digit AWS account ID, got '${accountId}'`);
  const options: DemoOptions = {
    scope: { accountId, region },
    fleets: integerOption("--fleets", values.fleets, 6, 1, MAX_FLEETS),
    days: integerOption("--days", values.days, 7, 1, MAX_DAYS),
    randomSeed: integerOption("--random-seed", values["random-seed"], randomInt(MAX_SEED), 0, MAX_SEED),
    endTimeMs: values["end-time"] === undefined ? Date.now() : timeOption(values["end-time"]),
  };
  return { options, dataDir, db, port: config.port, defaultAccount: config.defaultAccount };
}

function timeOption(text: string): number {
  const ms = /^\d+(\.\d+)?$/.test(text) ? Math.round(Number(text) * 1000) : Date.parse(text);
  if (!Number.isFinite(ms) || ms < Date.UTC(2000, 0, 1) || ms > Date.UTC(9999, 0, 1)) {
    throw new UsageError(`--end-time must be epoch seconds (1700000000) or an ISO 8601 time (2024-05-01T12:00:00Z), got '${text}'`);
  }
  return ms;
}

function printReport(
  seeded: SeededFleet[],
  r: DemoOptions & { where: string; serve: string; port: number; defaultAccount: string; total: number; seconds: number },
): void {
  const { region, accountId } = r.scope;
  console.log(
    `Seeded ${seeded.length} fleets, ${r.total.toLocaleString("en-US")} events over ${r.days} days into ${r.where} in ${r.seconds.toFixed(1)} s ` +
      `(region ${region}, account ${accountId}, --random-seed ${r.randomSeed})`,
  );
  for (const { fleet, events } of seeded) {
    console.log(`  ${fleet.fleetId}  ${fleet.status.padEnd(10)}  ${fleet.name.padEnd(24)}  ${events.length} events`);
  }
  // Any access key reads the server's default account; a 12-digit key reads the account it names.
  const credentials = accountId === r.defaultAccount ? "" : `AWS_ACCESS_KEY_ID=${accountId} AWS_SECRET_ACCESS_KEY=liftlog `;
  console.log(`\nTry it, with 'liftlog serve ${r.serve}' running:`);
  console.log(
    `  ${credentials}aws gamelift describe-fleet-events --endpoint-url http://127.0.0.1:${r.port} --region ${region} --fleet-id ${seeded[0]!.fleet.fleetId}`,
  );
}
