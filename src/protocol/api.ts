/**
 * The GameLift API over AWS JSON 1.1: `POST /`, `X-Amz-Target: GameLift.<Operation>`.
 * Resolves the operation and the caller (SigV4 scope), decodes the input from the model, runs the
 * handler, encodes the output. Operations never see any of this.
 */
import type { IncomingMessage } from "node:http";
import { accountFor, type LiftlogConfig } from "../config.js";
import type { RequestContext, Services } from "../operations/context.js";
import { operations } from "../operations/registry.js";
import { checkRegion } from "../operations/regions.js";
import { unknownOperation } from "./errors.js";
import { decodeInput, encodeOutput } from "./json11.js";
import { parseAuthorization } from "./sigv4.js";
import { serviceModel } from "../model/service-model.js";

export const API_BODY_LIMIT = 1024 * 1024;

export function operationFromTarget(target: string | string[] | undefined): string {
  const prefix = `${serviceModel.metadata.targetPrefix}.`;
  if (typeof target !== "string" || target === "") {
    throw unknownOperation("Missing X-Amz-Target header: name the operation as GameLift.<Operation>.");
  }
  const name = target.startsWith(prefix) ? target.slice(prefix.length) : undefined;
  if (!name || !operations.has(name)) {
    throw unknownOperation(
      `Unknown operation '${target}'. liftlog implements: ${[...operations.keys()]
        .sort()
        .map((o) => prefix + o)
        .join(", ")}.`,
    );
  }
  return name;
}

export function callerContext(config: LiftlogConfig, req: IncomingMessage, requestId: string, baseUrl: string): RequestContext {
  const credential = parseAuthorization(req.headers.authorization);
  checkRegion(credential.region);
  return { scope: { accountId: accountFor(config, credential.accessKeyId), region: credential.region }, baseUrl, requestId };
}

/** Runs one API call; returns the JSON response body. Throws ServiceError for the caller to encode. */
export async function handleApiCall(services: Services, ctx: RequestContext, operation: string, body: Buffer): Promise<string> {
  const input = decodeInput(operation, body);
  const output = await operations.get(operation)!(services, ctx, input);
  return encodeOutput(operation, output);
}
