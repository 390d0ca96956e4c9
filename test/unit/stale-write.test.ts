/**
 * A fleet or resource write that lost the race on every redo (StaleWrite once retryStale gives up): the
 * operations whose GameLift model lists ConflictException answer it (400), the others their
 * modelled InternalServiceException (500, not the generic "unexpected error"); both say to retry.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { staleWriteError } from "../../src/operations/stale-write.js";
import { StaleFleet, StaleResource } from "../../src/store/conflicts.js";

const FLEET = "fleet-11111111-2222-3333-4444-555555555555";
const MESSAGE = `Fleet ${FLEET} was changed by other requests each time this one tried to apply its change; nothing of it was applied. Retry the request.`;

describe("a fleet write that lost every redo", () => {
  it("is a ConflictException where the operation's model lists one", () => {
    for (const operation of [
      "UpdateFleetCapacity",
      "UpdateFleetAttributes",
      "UpdateFleetPortSettings",
      "CreateFleetLocations",
      "RegisterCompute",
    ]) {
      const error = staleWriteError(operation, new StaleFleet(FLEET));
      assert.deepEqual([error.code, error.status, error.message], ["ConflictException", 400, MESSAGE], operation);
    }
  });

  it("is the modelled InternalServiceException elsewhere: other operations, the admin API, inherited names", () => {
    for (const operation of [
      "DeleteFleet",
      "StopFleetActions",
      "DeleteFleetLocations",
      "PutScalingPolicy",
      "TagResource",
      "UpdateContainerFleet",
      "POST /_liftlog/events",
      "constructor",
      undefined,
    ]) {
      const error = staleWriteError(operation, new StaleFleet(FLEET));
      assert.deepEqual([error.code, error.status, error.message], ["InternalServiceException", 500, MESSAGE], String(operation));
    }
  });

  it("names the resource when a build, alias or definition write lost every redo", () => {
    const build = "build-11111111-2222-3333-4444-555555555555";
    const said = `Build ${build} was changed by other requests each time this one tried to apply its change; nothing of it was applied. Retry the request.`;
    const error = staleWriteError("UpdateBuild", new StaleResource("build", build));
    assert.deepEqual([error.code, error.status, error.message], ["InternalServiceException", 500, said]);
    const definition = staleWriteError("UpdateContainerGroupDefinition", new StaleResource("containergroupdefinition", "game"));
    assert.match(definition.message, /^Container group definition game was changed/);
  });
});
