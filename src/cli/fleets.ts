/** `liftlog fleets`: every fleet with its status, type, locations and last event, as a table or JSON. */
import {
  DescribeFleetEventsCommand,
  DescribeFleetLocationAttributesCommand,
  type FleetAttributes,
  type GameLiftClient,
} from "@aws-sdk/client-gamelift";
import { parseCommand } from "./args.js";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect } from "./connection.js";
import { allFleets } from "./fleet-ref.js";
import { awsJson, compileQuery, eventRecord, isoTime, outputFormat, queryTable, renderTable, severityColour, styleFor } from "./output.js";

const OPTIONS = {
  output: { type: "string", short: "o" },
  query: { type: "string" },
  ...CONNECTION_OPTIONS,
} as const;

const HELP = `Usage: liftlog fleets [--output table|json|ndjson] [--query Q] [options]

Every fleet of the account and region: ID, name, status, type, locations and its last event.

  --output F          table (default on a terminal), json (default when piped), ndjson
  --query Q           a JMESPath expression applied to the JSON result ({"Fleets": [...]})
${CONNECTION_HELP}

Examples:
  liftlog fleets
  liftlog fleets --output json --query 'Fleets[?Status==\`ERROR\`].FleetId'
  liftlog fleets --profile prod --region us-west-2
`;

/** Fleets described at once: each costs a request or two. */
const CONCURRENCY = 8;

interface FleetSummary {
  FleetId: string;
  FleetArn?: string;
  Name?: string;
  Status?: string;
  FleetType?: string;
  ComputeType?: string;
  Locations: string[];
  CreationTime?: number;
  LastEvent?: Record<string, unknown>;
}

export async function fleets(args: string[]): Promise<number> {
  const parsed = parseCommand({ options: OPTIONS, help: HELP }, args);
  if (!parsed) return 0;
  const { values } = parsed;
  const format = outputFormat(values.output);
  const query = compileQuery(values.query);
  const { client, region } = await connect(values);
  const attributes = await allFleets(client);
  const summaries: FleetSummary[] = new Array(attributes.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < attributes.length; i = next++) summaries[i] = await summarize(client, attributes[i]!, region);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, attributes.length) }, worker));

  const result = { Fleets: summaries };
  if (format === "ndjson") process.stdout.write(summaries.map((s) => JSON.stringify(query ? query(s) : s) + "\n").join(""));
  else if (format === "json" || format === "text") process.stdout.write(awsJson(query ? query(result) : result));
  else if (query) process.stdout.write(queryTable(query(result), styleFor()));
  else process.stdout.write(fleetTable(summaries));
  return 0;
}

async function summarize(client: GameLiftClient, fleet: FleetAttributes, region: string): Promise<FleetSummary> {
  const [last, remote] = await Promise.all([
    client.send(new DescribeFleetEventsCommand({ FleetId: fleet.FleetId!, Limit: 1 })).then((out) => out.Events?.[0]),
    remoteLocations(client, fleet.FleetId!),
  ]);
  return {
    FleetId: fleet.FleetId!,
    ...(fleet.FleetArn ? { FleetArn: fleet.FleetArn } : {}),
    ...(fleet.Name ? { Name: fleet.Name } : {}),
    ...(fleet.Status ? { Status: fleet.Status } : {}),
    ...(fleet.FleetType ? { FleetType: fleet.FleetType } : {}),
    ...(fleet.ComputeType ? { ComputeType: fleet.ComputeType } : {}),
    Locations: [fleet.FleetArn?.split(":")[3] ?? region, ...remote],
    ...(fleet.CreationTime ? { CreationTime: fleet.CreationTime.getTime() / 1000 } : {}),
    ...(last ? { LastEvent: eventRecord(last) } : {}),
  };
}

/** A fleet's remote locations; fleets that have none to describe (external or Anywhere fleets) have none. */
async function remoteLocations(client: GameLiftClient, fleetId: string): Promise<string[]> {
  try {
    const locations: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await client.send(new DescribeFleetLocationAttributesCommand({ FleetId: fleetId, NextToken }));
      for (const item of page.LocationAttributes ?? []) if (item.LocationState?.Location) locations.push(item.LocationState.Location);
      NextToken = page.NextToken;
    } while (NextToken);
    return locations;
  } catch {
    return [];
  }
}

function fleetTable(summaries: FleetSummary[]): string {
  if (summaries.length === 0) return "No fleets.\n";
  const style = styleFor();
  const rows = summaries.map((s) => {
    const last = s.LastEvent;
    return [
      s.FleetId,
      s.Name ?? "",
      s.Status ?? "",
      [s.ComputeType, s.FleetType].filter(Boolean).join(" "),
      s.Locations.join(","),
      last ? `${isoTime(last.EventTime as number)} ${String(last.EventCode)}` : "",
    ];
  });
  return renderTable(["FLEET ID", "NAME", "STATUS", "TYPE", "LOCATIONS", "LAST EVENT (UTC)"], rows, style, (i) => {
    const status = summaries[i]!.Status ?? "";
    if (status === "ERROR") return "red";
    const code = summaries[i]!.LastEvent?.EventCode;
    return typeof code === "string" ? severityColour(code) : undefined;
  });
}
