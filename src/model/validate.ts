/**
 * Constraint validation driven by the service model (required, length, range, pattern, enum),
 * reporting the way AWS's request validation does:
 *   1 validation error detected: Value 'x' at 'fleetId' failed to satisfy constraint: Member must ...
 * Member paths are lowerCamelCase and list items are `name.N.member` (1-based), as in AWS messages.
 * Values reaching here already have the right JSON types (the protocol parser checked them).
 */
import { shape, type Shape } from "./service-model.js";
import { invalidRequest } from "../protocol/errors.js";
import { hasNul } from "../store/text.js";

const patternCache = new Map<string, RegExp>();

function compiled(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    // The model's patterns are Java regexes matched against the whole value.
    re = new RegExp(`^(?:${pattern})$`, "s");
    patternCache.set(pattern, re);
  }
  return re;
}

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

function render(value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (value instanceof Date) return `'${value.toISOString()}'`;
  if (Array.isArray(value)) return `'[${value.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join(", ")}]'`;
  if (typeof value === "object") return `'${JSON.stringify(value)}'`;
  return `'${String(value)}'`;
}

function check(value: unknown, s: Shape, path: string, problems: string[]): void {
  const fail = (constraint: string) =>
    problems.push(`Value ${render(value)} at '${path}' failed to satisfy constraint: Member must ${constraint}`);
  switch (s.type) {
    case "structure": {
      const obj = value as Record<string, unknown>;
      for (const req of s.required ?? []) {
        if (obj[req] === undefined || obj[req] === null) {
          problems.push(`Value null at '${join(path, lowerFirst(req))}' failed to satisfy constraint: Member must not be null`);
        }
      }
      for (const [name, ref] of Object.entries(s.members ?? {})) {
        const member = obj[name];
        if (member !== undefined && member !== null) check(member, shape(ref.shape), join(path, lowerFirst(name)), problems);
      }
      return;
    }
    case "list": {
      const list = value as unknown[];
      if (s.min !== undefined && list.length < s.min) fail(`have length greater than or equal to ${s.min}`);
      if (s.max !== undefined && list.length > s.max) fail(`have length less than or equal to ${s.max}`);
      const item = shape(s.member!.shape);
      list.forEach((v, i) => {
        if (v !== null && v !== undefined) check(v, item, `${path}.${i + 1}.member`, problems);
      });
      return;
    }
    case "map": {
      const entries = Object.entries(value as Record<string, unknown>);
      if (s.min !== undefined && entries.length < s.min) fail(`have length greater than or equal to ${s.min}`);
      if (s.max !== undefined && entries.length > s.max) fail(`have length less than or equal to ${s.max}`);
      const keyShape = shape(s.key!.shape);
      const valueShape = shape(s.value!.shape);
      for (const [k, v] of entries) {
        check(k, keyShape, `${path}.key`, problems);
        if (v !== null && v !== undefined) check(v, valueShape, `${path}.value`, problems);
      }
      return;
    }
    case "string": {
      const str = value as string;
      if (s.min !== undefined && str.length < s.min) fail(`have length greater than or equal to ${s.min}`);
      if (s.max !== undefined && str.length > s.max) fail(`have length less than or equal to ${s.max}`);
      if (s.pattern !== undefined && !compiled(s.pattern).test(str)) fail(`satisfy regular expression pattern: ${s.pattern}`);
      if (s.enum !== undefined && !s.enum.includes(str)) fail(`satisfy enum value set: [${s.enum.join(", ")}]`);
      if (hasNul(str)) fail("not contain U+0000 (NUL), which liftlog does not store");
      return;
    }
    case "integer":
    case "long":
    case "double":
    case "float": {
      const num = value as number;
      if (s.min !== undefined && num < s.min) fail(`have value greater than or equal to ${s.min}`);
      if (s.max !== undefined && num > s.max) fail(`have value less than or equal to ${s.max}`);
      return;
    }
    default:
      return;
  }
}

const join = (path: string, name: string) => (path ? `${path}.${name}` : name);

/** Every constraint failure of `value` against the named shape, in AWS's wording. */
export function validationProblems(value: unknown, shapeName: string): string[] {
  const problems: string[] = [];
  check(value, shape(shapeName), "", problems);
  return problems;
}

/** Throws InvalidRequestException listing every failure, as AWS does. */
export function validate(value: unknown, shapeName: string): void {
  const problems = validationProblems(value, shapeName);
  if (problems.length === 0) return;
  const n = problems.length;
  throw invalidRequest(`${n} validation error${n === 1 ? "" : "s"} detected: ${problems.join("; ")}`);
}

type Check = (value: unknown) => boolean;
const compiledChecks = new Map<string, Check>();

/**
 * The named shape's constraints as one function, built once from the model: true exactly when
 * validationProblems would find nothing. For hot paths (ingest checks every event of a batch);
 * on false, validationProblems gives the wording.
 */
export function compileCheck(shapeName: string): Check {
  const known = compiledChecks.get(shapeName);
  if (known) return known;
  // A shape that holds itself finds this stand-in while it is being built, and the built check after.
  compiledChecks.set(shapeName, (value) => compiledChecks.get(shapeName)!(value));
  const check = compileShape(shape(shapeName));
  compiledChecks.set(shapeName, check);
  return check;
}

const present = (v: unknown) => v !== undefined && v !== null;
const withinLength = (n: number, s: Shape) => !(s.min !== undefined && n < s.min) && !(s.max !== undefined && n > s.max);

function compileShape(s: Shape): Check {
  switch (s.type) {
    case "structure": {
      const required = s.required ?? [];
      const members = Object.entries(s.members ?? {}).map(([name, ref]) => ({ name, check: compileCheck(ref.shape) }));
      return (value) => {
        const obj = value as Record<string, unknown>;
        for (const name of required) if (!present(obj[name])) return false;
        for (const { name, check } of members) if (present(obj[name]) && !check(obj[name])) return false;
        return true;
      };
    }
    case "list": {
      const item = compileCheck(s.member!.shape);
      return (value) => {
        const list = value as unknown[];
        return withinLength(list.length, s) && list.every((v) => !present(v) || item(v));
      };
    }
    case "map": {
      const key = compileCheck(s.key!.shape);
      const item = compileCheck(s.value!.shape);
      return (value) => {
        const entries = Object.entries(value as Record<string, unknown>);
        return withinLength(entries.length, s) && entries.every(([k, v]) => key(k) && (!present(v) || item(v)));
      };
    }
    case "string": {
      const pattern = s.pattern !== undefined ? compiled(s.pattern) : undefined;
      const values = s.enum !== undefined ? new Set(s.enum) : undefined;
      return (value) => {
        const str = value as string;
        return withinLength(str.length, s) && (!pattern || pattern.test(str)) && (!values || values.has(str)) && !hasNul(str);
      };
    }
    case "integer":
    case "long":
    case "double":
    case "float":
      return (value) => !(s.min !== undefined && (value as number) < s.min) && !(s.max !== undefined && (value as number) > s.max);
    default:
      return () => true;
  }
}

/** Does `value` satisfy the named string shape's pattern and length? (For ids given outside a request body.) */
export function satisfies(value: string, shapeName: string): boolean {
  return compileCheck(shapeName)(value);
}
