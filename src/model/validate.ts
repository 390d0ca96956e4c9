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

/** Does `value` satisfy the named string shape's pattern and length? (For ids given outside a request body.) */
export function satisfies(value: string, shapeName: string): boolean {
  const problems: string[] = [];
  check(value, shape(shapeName), "value", problems);
  return problems.length === 0;
}
