/**
 * The GameLift service model (botocore's service-2.json cut to liftlog's operations), loaded once.
 * Validation and serialization are driven by its shapes, so a rule lives in exactly one place.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface MemberRef {
  shape: string;
}

export interface Shape {
  type: "structure" | "list" | "map" | "string" | "integer" | "long" | "boolean" | "timestamp" | "double" | "float" | "blob";
  members?: Record<string, MemberRef>;
  required?: string[];
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  exception?: boolean;
  fault?: boolean;
}

export interface OperationModel {
  name: string;
  input?: MemberRef;
  output?: MemberRef;
  errors?: MemberRef[];
}

export interface ServiceModel {
  metadata: { targetPrefix: string; apiVersion: string; jsonVersion: string };
  operations: Record<string, OperationModel>;
  shapes: Record<string, Shape>;
}

const modelPath = fileURLToPath(new URL("../../../reference/gamelift-2015-10-01.subset.json", import.meta.url));

export const serviceModel: ServiceModel = JSON.parse(readFileSync(modelPath, "utf8"));

export function shape(name: string): Shape {
  if (!Object.hasOwn(serviceModel.shapes, name)) throw new Error(`service model has no shape ${name}`);
  return serviceModel.shapes[name]!;
}

export function operationModel(name: string): OperationModel {
  if (!Object.hasOwn(serviceModel.operations, name)) throw new Error(`service model has no operation ${name}`);
  return serviceModel.operations[name]!;
}

/** The values of an enum shape, e.g. every EventCode. */
export function enumValues(name: string): readonly string[] {
  return shape(name).enum ?? [];
}
