/**
 * What a call answers when its write lost the race on every redo: other requests or nodes changed
 * the fleet or resource between each read and write (StaleWrite, once retryStale has given up). Nothing
 * of the call was applied, so the caller may simply retry. The answer is the operation's modelled
 * ConflictException where GameLift's model lists one for it, else its InternalServiceException.
 */
import { serviceModel } from "../model/service-model.js";
import { conflict, internalError, type ServiceError } from "../protocol/errors.js";
import type { StaleWrite } from "../store/conflicts.js";

export function staleWriteError(operation: string | undefined, err: StaleWrite): ServiceError {
  const message = `${err.what} was changed by other requests each time this one tried to apply its change; nothing of it was applied. Retry the request.`;
  return listsConflict(operation) ? conflict(message) : internalError(message);
}

function listsConflict(operation: string | undefined): boolean {
  if (operation === undefined || !Object.hasOwn(serviceModel.operations, operation)) return false;
  return serviceModel.operations[operation]!.errors?.some((e) => e.shape === "ConflictException") ?? false;
}
