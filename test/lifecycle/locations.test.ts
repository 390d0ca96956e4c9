/**
 * Locations on the manual clock: remote locations of EC2 fleets (LOCATION_STATE_* events, the
 * status DescribeFleetLocationAttributes reports at each stage), custom locations and Anywhere fleets.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CreateFleetCommand,
  CreateFleetLocationsCommand,
  CreateLocationCommand,
  DeleteFleetCommand,
  DeleteFleetLocationsCommand,
  DeleteLocationCommand,
  DescribeFleetLocationAttributesCommand,
  ListLocationsCommand,
  paginateListLocations,
} from "@aws-sdk/client-gamelift";
import { advance, allEvents, chronological, CREATION, ec2Fleet, fleetStatus, manualFixture } from "./helpers.js";

const CREATION_SECONDS = 460;

describe("locations", () => {
  const f = manualFixture();

  const locationStatus = async (fleetId: string, location: string) =>
    (await f.client.send(new DescribeFleetLocationAttributesCommand({ FleetId: fleetId, Locations: [location] }))).LocationAttributes![0]
      ?.LocationState?.Status;

  const events = async (fleetId: string) => chronological(await allEvents(f.client, fleetId)).map((e) => [e.EventCode, e.Message]);

  it("remote locations of CreateFleet wait (PENDING) until the fleet is ACTIVE, then come up stage by stage", async () => {
    const created = await ec2Fleet(f.client, f.buildId, undefined, { Locations: [{ Location: "us-west-2" }, { Location: "eu-west-1" }] });
    const fleetId = created.FleetAttributes!.FleetId!;
    assert.deepEqual(created.LocationStates, [
      { Location: "us-west-2", Status: "NEW" },
      { Location: "eu-west-1", Status: "NEW" },
    ]);
    await advance(f.server.endpoint, CREATION_SECONDS);
    assert.equal(await locationStatus(fleetId, "eu-west-1"), "NEW");
    // pending 10 s, creating 60 s, created 10 s, activating 90 s.
    for (const [seconds, status] of [
      [10, "DOWNLOADING"],
      [60, "BUILDING"],
      [10, "ACTIVATING"],
      [90, "ACTIVE"],
    ] as const) {
      await advance(f.server.endpoint, seconds);
      assert.equal(await locationStatus(fleetId, "eu-west-1"), status);
    }
    const codes = (await events(fleetId)).map(([code]) => code);
    assert.deepEqual(codes, [
      "FLEET_CREATED",
      "LOCATION_STATE_PENDING",
      ...CREATION.slice(1),
      "LOCATION_STATE_CREATING",
      "LOCATION_STATE_CREATED",
      "LOCATION_STATE_ACTIVATING",
      "LOCATION_STATE_ACTIVE",
    ]);
    assert.deepEqual((await events(fleetId)).at(-1), [
      "LOCATION_STATE_ACTIVE",
      `Location eu-west-1 of fleet ${fleetId} changed state to ACTIVE`,
    ]);
    // The home Region is not among the remote locations.
    const all = await f.client.send(new DescribeFleetLocationAttributesCommand({ FleetId: fleetId }));
    assert.deepEqual(
      all.LocationAttributes!.map((l) => l.LocationState),
      [{ Location: "eu-west-1", Status: "ACTIVE" }],
    );
    await f.client.send(new DeleteFleetCommand({ FleetId: fleetId }));
    await advance(f.server.endpoint, 60);
    assert.deepEqual(
      (await events(fleetId)).slice(-3).map(([code]) => code),
      ["LOCATION_STATE_DELETING", "LOCATION_STATE_DELETED", "FLEET_DELETED"],
    );
  });

  it("CreateFleetLocations / DeleteFleetLocations on an ACTIVE fleet; a failed fleet takes its waiting locations down", async () => {
    const fleetId = (await ec2Fleet(f.client, f.buildId)).FleetAttributes!.FleetId!;
    await assert.rejects(f.client.send(new CreateFleetLocationsCommand({ FleetId: fleetId, Locations: [{ Location: "eu-west-1" }] })), {
      name: "InvalidFleetStatusException",
    });
    await advance(f.server.endpoint, CREATION_SECONDS);
    const added = await f.client.send(
      new CreateFleetLocationsCommand({ FleetId: fleetId, Locations: [{ Location: "eu-west-1" }, { Location: "ap-south-1" }] }),
    );
    assert.deepEqual(added.LocationStates, [
      { Location: "eu-west-1", Status: "NEW" },
      { Location: "ap-south-1", Status: "NEW" },
    ]);
    await assert.rejects(
      f.client.send(new CreateFleetLocationsCommand({ FleetId: fleetId, Locations: [{ Location: "eu-west-1" }] })),
      /already has location eu-west-1/,
    );
    await assert.rejects(
      f.client.send(new CreateFleetLocationsCommand({ FleetId: fleetId, Locations: [{ Location: "mars-north-1" }] })),
      /not a GameLift location/,
    );
    await advance(f.server.endpoint, 170);
    const removed = await f.client.send(new DeleteFleetLocationsCommand({ FleetId: fleetId, Locations: ["ap-south-1"] }));
    assert.deepEqual(removed.LocationStates, [{ Location: "ap-south-1", Status: "DELETING" }]);
    await advance(f.server.endpoint, 60);
    assert.equal(await locationStatus(fleetId, "ap-south-1"), "TERMINATED");
    assert.equal(await locationStatus(fleetId, "eu-west-1"), "ACTIVE");
    await assert.rejects(f.client.send(new DeleteFleetLocationsCommand({ FleetId: fleetId, Locations: ["us-west-2"] })), /home Region/);
    await assert.rejects(f.client.send(new DeleteFleetLocationsCommand({ FleetId: fleetId, Locations: ["sa-east-1"] })), {
      name: "NotFoundException",
    });
    const ap = (await events(fleetId)).filter(([, m]) => m!.startsWith("Location ap-south-1")).map(([code]) => code);
    assert.deepEqual(ap, [
      "LOCATION_STATE_PENDING",
      "LOCATION_STATE_CREATING",
      "LOCATION_STATE_CREATED",
      "LOCATION_STATE_ACTIVATING",
      "LOCATION_STATE_ACTIVE",
      "LOCATION_STATE_DELETING",
      "LOCATION_STATE_DELETED",
    ]);
    await f.client.send(new DeleteFleetCommand({ FleetId: fleetId }));

    const failing = (await ec2Fleet(f.client, f.buildId, "binary-download-failed", { Locations: [{ Location: "eu-west-1" }] }))
      .FleetAttributes!.FleetId!;
    await advance(f.server.endpoint, CREATION_SECONDS);
    assert.deepEqual(
      (await events(failing)).map(([code]) => code),
      [
        "FLEET_CREATED",
        "LOCATION_STATE_PENDING",
        "FLEET_STATE_DOWNLOADING",
        "FLEET_BINARY_DOWNLOAD_FAILED",
        "FLEET_STATE_ERROR",
        "LOCATION_STATE_ERROR",
      ],
    );
    assert.equal(await locationStatus(failing, "eu-west-1"), "ERROR");
  });

  it("custom locations and an Anywhere fleet on them: ACTIVE at once", async () => {
    const { Location } = await f.client.send(new CreateLocationCommand({ LocationName: "custom-home-rack" }));
    assert.deepEqual(Location, {
      LocationName: "custom-home-rack",
      LocationArn: "arn:aws:gamelift:us-west-2:000000000000:location/custom-home-rack",
    });
    await assert.rejects(f.client.send(new CreateLocationCommand({ LocationName: "custom-home-rack" })), { name: "ConflictException" });
    const custom = await f.client.send(new ListLocationsCommand({ Filters: ["CUSTOM"] }));
    assert.deepEqual(custom.Locations, [Location]);
    const names: string[] = [];
    for await (const page of paginateListLocations({ client: f.client, pageSize: 7 }, {}))
      names.push(...page.Locations!.map((l) => l.LocationName!));
    assert.ok(names.includes("us-west-2") && names.at(-1) === "custom-home-rack" && new Set(names).size === names.length);

    await assert.rejects(
      f.client.send(new CreateFleetCommand({ Name: "anywhere", ComputeType: "ANYWHERE" })),
      /needs Locations naming at least one custom location/,
    );
    await assert.rejects(
      f.client.send(new CreateFleetCommand({ Name: "anywhere", ComputeType: "ANYWHERE", Locations: [{ Location: "custom-nowhere" }] })),
      { name: "NotFoundException", message: /custom-nowhere not found/ },
    );
    const created = await f.client.send(
      new CreateFleetCommand({ Name: "anywhere", ComputeType: "ANYWHERE", Locations: [{ Location: "custom-home-rack" }] }),
    );
    const fleetId = created.FleetAttributes!.FleetId!;
    assert.equal(created.FleetAttributes!.Status, "ACTIVE");
    assert.equal(created.FleetAttributes!.ComputeType, "ANYWHERE");
    assert.deepEqual(created.LocationStates, [
      { Location: "us-west-2", Status: "ACTIVE" },
      { Location: "custom-home-rack", Status: "ACTIVE" },
    ]);
    assert.deepEqual(await events(fleetId), [
      ["FLEET_CREATED", `Fleet ${fleetId} created with status NEW.`],
      ["FLEET_STATE_ACTIVE", `Fleet ${fleetId} changed state to ACTIVE`],
    ]);
    assert.equal(await fleetStatus(f.client, fleetId), "ACTIVE");
    assert.equal(await locationStatus(fleetId, "custom-home-rack"), "ACTIVE");
    await f.client.send(new DeleteLocationCommand({ LocationName: Location!.LocationArn }));
    await assert.rejects(f.client.send(new DeleteLocationCommand({ LocationName: "custom-home-rack" })), { name: "NotFoundException" });
    await f.client.send(new DeleteFleetCommand({ FleetId: fleetId }));
  });
});
