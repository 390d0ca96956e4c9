/**
 * AWS error shapes. Every failure the server reports is a ServiceError: a code (the `__type`
 * clients dispatch on), the HTTP status AWS uses for it, and a message a person can act on.
 * Operations throw these; the protocol layer serializes them.
 */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export const invalidRequest = (message: string) => new ServiceError("InvalidRequestException", message);
export const notFound = (message: string) => new ServiceError("NotFoundException", message);
export const serializationError = (message: string) => new ServiceError("SerializationException", message);
export const unknownOperation = (message: string) => new ServiceError("UnknownOperationException", message);
export const unsupportedRegion = (message: string) => new ServiceError("UnsupportedRegionException", message);
export const conflict = (message: string) => new ServiceError("ConflictException", message);
export const invalidFleetStatus = (message: string) => new ServiceError("InvalidFleetStatusException", message);
export const limitExceeded = (message: string) => new ServiceError("LimitExceededException", message);
export const unauthorized = (message: string) => new ServiceError("UnauthorizedException", message);
export const internalError = (message: string) => new ServiceError("InternalServiceException", message, 500);

/**
 * The fields of an error body, whatever the codec: `__type` (the code clients dispatch on) and the
 * message twice. The model's error shapes name the member `Message`, and SDKs generated from models
 * of before late 2024 read only that; newer SDKs and botocore read `message` first. Sending both
 * gives every generation the text (and boto3 its modelled `e.response["Message"]`).
 */
export interface ErrorBody {
  __type: string;
  message: string;
  Message: string;
}

export const errorBody = (err: ServiceError): ErrorBody => ({ __type: err.code, message: err.message, Message: err.message });

/** The request's body was larger than the server accepts. */
export const tooLarge = (limit: number) =>
  new ServiceError(
    "RequestEntityTooLargeException",
    `Request body is larger than the ${limit} bytes this endpoint accepts; send fewer or smaller items per request.`,
    413,
  );
