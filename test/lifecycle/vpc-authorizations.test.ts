/**
 * VPC peering authorizations through the JS SDK v3: the VPC's owner authorizes a GameLift account for
 * 24 hours; both accounts see the authorization; CreateVpcPeeringConnection needs it; deleting or
 * expiring it takes that away.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CreateVpcPeeringAuthorizationCommand,
  CreateVpcPeeringConnectionCommand,
  DeleteVpcPeeringAuthorizationCommand,
  DescribeVpcPeeringAuthorizationsCommand,
} from "@aws-sdk/client-gamelift";
import { gamelift } from "../helpers/server.js";
import { advance, clockNow, ec2Fleet, manualFixture, rejectsWith } from "./helpers.js";

describe("VPC peering authorizations", () => {
  const f = manualFixture();

  it("the owner authorizes, both accounts see it for 24 hours, and a peering connection needs it", async () => {
    const owner = gamelift(f.server.endpoint, "us-west-2", "444455556666");
    const stranger = gamelift(f.server.endpoint, "us-west-2", "777788889999");
    try {
      const { FleetId } = (await ec2Fleet(f.client, f.buildId)).FleetAttributes!;
      await advance(f.server.endpoint, 460);
      const connect = (vpc: string) =>
        f.client.send(new CreateVpcPeeringConnectionCommand({ FleetId, PeerVpcAwsAccountId: "444455556666", PeerVpcId: vpc }));
      await rejectsWith(
        connect("vpc-0aaa"),
        "InvalidRequestException",
        /No valid VPC peering authorization for account 000000000000 to peer with vpc-0aaa of account 444455556666/,
      );

      const at = await clockNow(f.server.endpoint);
      const { VpcPeeringAuthorization: auth } = await owner.send(
        new CreateVpcPeeringAuthorizationCommand({ GameLiftAwsAccountId: "000000000000", PeerVpcId: "vpc-0aaa" }),
      );
      assert.deepEqual(auth, {
        GameLiftAwsAccountId: "000000000000",
        PeerVpcAwsAccountId: "444455556666",
        PeerVpcId: "vpc-0aaa",
        CreationTime: new Date(at),
        ExpirationTime: new Date(at + 24 * 3600 * 1000),
      });
      await owner.send(new CreateVpcPeeringAuthorizationCommand({ GameLiftAwsAccountId: "000000000000", PeerVpcId: "vpc-0bbb" }));
      const seen = async (client: typeof owner) =>
        (await client.send(new DescribeVpcPeeringAuthorizationsCommand({}))).VpcPeeringAuthorizations!.map((a) => a.PeerVpcId);
      assert.deepEqual(await seen(owner), ["vpc-0aaa", "vpc-0bbb"], "the owner sees what it gave");
      assert.deepEqual(await seen(f.client), ["vpc-0aaa", "vpc-0bbb"], "the GameLift account sees what it received");
      assert.deepEqual(await seen(stranger), []);

      await connect("vpc-0aaa");
      await owner.send(new DeleteVpcPeeringAuthorizationCommand({ GameLiftAwsAccountId: "000000000000", PeerVpcId: "vpc-0bbb" }));
      assert.deepEqual(await seen(f.client), ["vpc-0aaa"]);
      await rejectsWith(connect("vpc-0bbb"), "InvalidRequestException", /No valid VPC peering authorization/);
      await rejectsWith(
        owner.send(new DeleteVpcPeeringAuthorizationCommand({ GameLiftAwsAccountId: "000000000000", PeerVpcId: "vpc-0bbb" })),
        "NotFoundException",
        /No VPC peering authorization for account 000000000000 to peer with vpc-0bbb/,
      );
      await rejectsWith(
        owner.send(new CreateVpcPeeringAuthorizationCommand({ GameLiftAwsAccountId: "gamelift", PeerVpcId: "vpc-0ccc" })),
        "InvalidRequestException",
        /GameLiftAwsAccountId gamelift is not an AWS account ID \(12 digits\)/,
      );

      // A day later the authorization has expired: neither side sees it.
      await advance(f.server.endpoint, 24 * 3600);
      assert.deepEqual(await seen(owner), []);
      assert.deepEqual(await seen(f.client), []);
    } finally {
      owner.destroy();
      stranger.destroy();
    }
  });
});
