/**
 * botocore's PageIterator on top of the AWS SDK for JavaScript v3: PageSize, MaxItems (counted in
 * result items, truncating the last page) and StartingToken (resuming mid-page), with resume tokens
 * in botocore's format so boto3, the AWS CLI and this client can pick up each other's walks.
 * The SDK does the transport (credentials, signing, retries); this file only decides what to ask for.
 */
import type { GameLiftClient } from "@aws-sdk/client-gamelift";
import { compile, TreeInterpreter, type JSONValue } from "@jmespath-community/jmespath";
import {
  COMMANDS,
  PAGINATOR_DEFINITIONS,
  type FullResult,
  type OperationInput,
  type OperationOutput,
  type PaginatedOperation,
  type ResultItem,
} from "./operations.js";
import { decodeToken, encodeToken, PaginationError, type StartingPosition, type TokenDict } from "./tokens.js";

/** boto3's PaginationConfig, plus an AbortSignal that stops the walk. */
export interface PaginationConfig {
  /** The most result items to return in total, across pages; the last page is truncated to fit. */
  MaxItems?: number;
  /** Items per request: sent as the operation's limit key (Limit). */
  PageSize?: number;
  /** A resume token from this client, boto3 or the AWS CLI (`--starting-token`). */
  StartingToken?: string;
  /** Aborting stops the walk: the pending request is cancelled and iteration rejects with the signal's reason. */
  abortSignal?: AbortSignal;
}

/** The operation's input without the members the paginator manages (NextToken; Limit comes from PageSize). */
export type PaginateInput<Op extends PaginatedOperation> = Omit<OperationInput<Op>, "NextToken" | "Limit">;

interface Expression {
  expression: string;
  search(data: unknown): unknown;
}

function jmespath(expression: string): Expression {
  // Legacy literals (`foo` without JSON quotes) are accepted, as jmespath.py does for botocore.
  const node = compile(expression, { enable_legacy_literals: true });
  return { expression, search: (data) => TreeInterpreter.search(node, data as JSONValue) };
}

/** A paginator definition, compiled. */
interface Paginator {
  inputTokens: string[];
  outputTokens: Expression[];
  moreResults?: Expression;
  limitKey?: string;
  resultKeys: Expression[];
  nonAggregateKeys: Expression[];
}

const asList = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

function paginatorFor(operation: string): Paginator {
  // Own entries only: an operation named "constructor" or "toString" has no paginator.
  const definition = Object.hasOwn(PAGINATOR_DEFINITIONS, operation) ? PAGINATOR_DEFINITIONS[operation] : undefined;
  if (!definition || !Object.hasOwn(COMMANDS, operation)) throw new PaginationError(`Paginator for operation does not exist: ${operation}`);
  if (definition.result_key === undefined) throw new PaginationError(`The paginator for ${operation} names no result key`);
  return {
    inputTokens: asList(definition.input_token),
    outputTokens: asList(definition.output_token).map(jmespath),
    moreResults: definition.more_results === undefined ? undefined : jmespath(definition.more_results),
    limitKey: definition.limit_key,
    resultKeys: asList(definition.result_key).map(jmespath),
    nonAggregateKeys: (definition.non_aggregate_keys ?? []).map(jmespath),
  };
}

/** One page as the walk produced it, with the tokens that resume after any of its items. */
interface WalkedPage<Op extends PaginatedOperation> {
  page: OperationOutput<Op>;
  items: unknown[];
  /** The resume token after `delivered` of this page's items (all of them: the token after the page). */
  resumeAt(delivered: number): string | undefined;
}

/** `after`: the token after the whole page; inside it, the page's own token and the items skipped so far. */
function walkedPage<Op extends PaginatedOperation>(
  page: OperationOutput<Op>,
  items: unknown[],
  pageToken: TokenDict,
  skip: number,
  after: string | undefined,
): WalkedPage<Op> {
  return { page, items, resumeAt: (delivered) => (delivered >= items.length ? after : encodeToken(pageToken, skip + delivered)) };
}

/**
 * Pages of one paginated call. Iterate it (`for await`) for pages, `items()` for the result items,
 * `search(expr)` for JMESPath results, or `buildFullResult()` for everything in one object.
 * Each iteration starts the walk afresh from the input and StartingToken; run one at a time
 * (resumeToken follows the latest).
 */
export class PageIterator<Op extends PaginatedOperation> implements AsyncIterable<OperationOutput<Op>> {
  readonly #client: GameLiftClient;
  readonly #operation: Op;
  readonly #input: PaginateInput<Op>;
  readonly #config: PaginationConfig;
  readonly #paginator: Paginator;
  readonly #start: StartingPosition | undefined;
  #resumeToken: string | undefined;
  #nonAggregatePart: Record<string, unknown> = {};

  constructor(client: GameLiftClient, operation: Op, input: PaginateInput<Op>, config: PaginationConfig = {}) {
    this.#client = client;
    this.#operation = operation;
    this.#input = input;
    this.#config = config;
    this.#paginator = paginatorFor(operation);
    const { MaxItems, PageSize, StartingToken } = config;
    if (MaxItems !== undefined && !(Number.isSafeInteger(MaxItems) && MaxItems >= 0)) {
      throw new PaginationError(`MaxItems must be a whole number of items, 0 or more; got ${MaxItems}`);
    }
    if (PageSize !== undefined) {
      if (this.#paginator.limitKey === undefined) {
        throw new PaginationError("PageSize parameter is not supported for the pagination interface for this operation.");
      }
      if (!Number.isSafeInteger(PageSize)) throw new PaginationError(`PageSize must be a whole number of items; got ${PageSize}`);
    }
    this.#start = StartingToken === undefined ? undefined : decodeToken(StartingToken, this.#paginator.inputTokens);
    this.#resumeToken = this.#initialResumeToken();
  }

  /**
   * Where to resume: a token for StartingToken (here, in boto3 or `aws --starting-token`) that
   * continues right after the last page or item delivered; undefined once nothing is left.
   * When MaxItems ends the walk it is exactly the token botocore gives.
   */
  get resumeToken(): string | undefined {
    return this.#resumeToken;
  }

  /** The operation's non-aggregate keys, from the first page (GameLift's paginators define none). */
  get nonAggregatePart(): Record<string, unknown> {
    return this.#nonAggregatePart;
  }

  /** The JMESPath expressions of the result keys, e.g. ["Events"]. */
  get resultKeys(): string[] {
    return this.#paginator.resultKeys.map((key) => key.expression);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<OperationOutput<Op>, void, undefined> {
    for await (const walked of this.#walk()) {
      this.#resumeToken = walked.resumeAt(walked.items.length);
      yield walked.page;
    }
  }

  /** Every item of the (first) result key, across pages: e.g. each Event. */
  async *items(): AsyncGenerator<ResultItem<Op>, void, undefined> {
    for await (const walked of this.#walk()) {
      if (walked.items.length === 0) this.#resumeToken = walked.resumeAt(0);
      for (let i = 0; i < walked.items.length; i++) {
        this.#resumeToken = walked.resumeAt(i + 1);
        yield walked.items[i] as ResultItem<Op>;
      }
    }
  }

  /**
   * Applies a JMESPath expression to each page, as botocore's search(): a list result yields its
   * elements one by one, anything else (including null) is yielded as it is.
   */
  search(expression: string): AsyncGenerator<unknown, void, undefined> {
    const compiled = jmespath(expression);
    return (async function* (pages: AsyncIterable<unknown>) {
      for await (const page of pages) {
        const result = compiled.search(page);
        if (Array.isArray(result)) yield* result;
        else yield result;
      }
    })(this);
  }

  /**
   * Walks every page and returns the result key(s) aggregated, the non-aggregate keys, and
   * NextToken set to the resume token when MaxItems stopped the walk before the end.
   */
  async buildFullResult(): Promise<FullResult<Op>> {
    const complete: Record<string, unknown> = {};
    for await (const page of this) {
      for (const key of this.#paginator.resultKeys) {
        const value = key.search(page);
        if (value === null || value === undefined) continue;
        const existing = key.search(complete);
        if (existing === null || existing === undefined) setPath(complete, key.expression, Array.isArray(value) ? [...value] : value);
        else if (Array.isArray(value)) (existing as unknown[]).push(...value);
        else if (typeof value === "number" || typeof value === "string") {
          setPath(complete, key.expression, (existing as number) + (value as number));
        }
      }
    }
    mergeDicts(complete, this.#nonAggregatePart);
    if (this.#resumeToken !== undefined) complete.NextToken = this.#resumeToken;
    return complete as FullResult<Op>;
  }

  #initialResumeToken(): string {
    return this.#config.StartingToken ?? encodeToken(nullTokens(this.#paginator.inputTokens));
  }

  /** The page loop of botocore's PageIterator.__iter__. */
  async *#walk(): AsyncGenerator<WalkedPage<Op>, void, undefined> {
    const { MaxItems, PageSize } = this.#config;
    const paginator = this.#paginator;
    const primaryKey = paginator.resultKeys[0]!;
    const request: Record<string, unknown> = { ...this.#input };
    let requestToken = this.#start?.token ?? nullTokens(paginator.inputTokens);
    if (this.#start) injectTokens(request, requestToken);
    if (PageSize !== undefined) request[paginator.limitKey!] = PageSize;
    this.#resumeToken = this.#initialResumeToken();
    let total = 0;
    let previous: TokenDict | undefined;
    for (let pageNumber = 1; ; pageNumber++) {
      const page = await this.#send(request, pageNumber);
      let skip = 0;
      if (pageNumber === 1) {
        if (this.#start) {
          skip = this.#start.skip;
          skipLeadingItems(page, paginator.resultKeys, skip);
        }
        this.#nonAggregatePart = nonAggregatePart(page, paginator.nonAggregateKeys);
      }
      let items = listAt(page, primaryKey);
      const excess = MaxItems === undefined ? 0 : total + items.length - MaxItems;
      if (excess > 0) {
        items = items.slice(0, items.length - excess);
        setPath(page, primaryKey.expression, items);
        yield walkedPage(page, items, requestToken, skip, encodeToken(requestToken, skip + items.length));
        return;
      }
      total += items.length;
      const next = nextTokens(page, paginator);
      const last = Object.values(next).every((token) => token === null);
      yield walkedPage(page, items, requestToken, skip, last ? undefined : encodeToken(next));
      if (last || total === MaxItems) return;
      if (previous && sameTokens(previous, next)) {
        throw new PaginationError(
          `${this.#operation} (page ${pageNumber}): The same next token was received twice: ${JSON.stringify(next)}`,
        );
      }
      injectTokens(request, next);
      previous = requestToken = next;
    }
  }

  /** Sends one request through the SDK; service errors keep their SDK class and gain the operation and page number. */
  async #send(request: Record<string, unknown>, pageNumber: number): Promise<OperationOutput<Op>> {
    const signal = this.#config.abortSignal;
    signal?.throwIfAborted();
    const Command = COMMANDS[this.#operation] as unknown as new (input: unknown) => Parameters<GameLiftClient["send"]>[0];
    try {
      return (await this.#client.send(new Command({ ...request }), { abortSignal: signal })) as OperationOutput<Op>;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (error instanceof Error) prefixMessage(error, `${this.#operation} (page ${pageNumber}): `);
      throw error;
    }
  }
}

/** Starts a botocore-style walk of any paginated GameLift operation. */
export function paginate<Op extends PaginatedOperation>(
  client: GameLiftClient,
  operation: Op,
  input: PaginateInput<Op>,
  config: PaginationConfig = {},
): PageIterator<Op> {
  return new PageIterator(client, operation, input, config);
}

function prefixMessage(error: Error, prefix: string): void {
  const original = error.message;
  const stack = error.stack; // read first: V8 formats the stack lazily, from the message at that time
  error.message = prefix + original;
  if (stack?.includes(original)) error.stack = stack.replace(original, error.message);
}

const nullTokens = (names: readonly string[]): TokenDict => Object.fromEntries(names.map((name) => [name, null]));

/** The service's next tokens; empty values count as absent, as in botocore. */
function nextTokens(page: unknown, paginator: Paginator): TokenDict {
  if (paginator.moreResults && !isTruthy(paginator.moreResults.search(page))) return nullTokens(paginator.inputTokens);
  const tokens: TokenDict = {};
  paginator.inputTokens.forEach((name, i) => {
    const value = paginator.outputTokens[i]?.search(page);
    tokens[name] = isTruthy(value) ? String(value) : null;
  });
  return tokens;
}

/** Python truthiness, which botocore applies to tokens and more_results. */
function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === "object") return Object.keys(value).length > 0;
  return Boolean(value);
}

function sameTokens(a: TokenDict, b: TokenDict): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/** Sets the request's tokens; an absent token (or botocore's "None") removes the member. */
function injectTokens(request: Record<string, unknown>, tokens: TokenDict): void {
  for (const [name, token] of Object.entries(tokens)) {
    if (token !== null && token !== "None") request[name] = token;
    else delete request[name];
  }
}

function listAt(page: unknown, key: Expression): unknown[] {
  const value = key.search(page);
  return Array.isArray(value) ? value : [];
}

/**
 * Resuming mid-page: drops the items of the first page that were already delivered, and empties
 * the secondary result keys, which were delivered with them (numbers stay, as in botocore).
 */
function skipLeadingItems(page: unknown, resultKeys: Expression[], skip: number): void {
  const [primary, ...secondary] = resultKeys;
  const all = primary!.search(page);
  setPath(page, primary!.expression, Array.isArray(all) || typeof all === "string" ? all.slice(skip) : null);
  for (const key of secondary) {
    const sample = key.search(page);
    const empty = Array.isArray(sample) ? [] : typeof sample === "string" ? "" : typeof sample === "number" ? sample : null;
    setPath(page, key.expression, empty);
  }
}

function nonAggregatePart(page: unknown, keys: Expression[]): Record<string, unknown> {
  const part: Record<string, unknown> = {};
  for (const key of keys) setPath(part, key.expression, key.search(page));
  return part;
}

/** botocore's set_value_from_jmespath: sets a dotted path, creating objects on the way. */
function setPath(target: unknown, expression: string, value: unknown): void {
  const names = expression.split(".");
  let node = target as Record<string, unknown>;
  for (const name of names.slice(0, -1)) {
    if (!(name in node)) node[name] = {};
    node = node[name] as Record<string, unknown>;
  }
  node[names[names.length - 1]!] = value;
}

/** botocore's merge_dicts: objects merge recursively, anything else from `source` wins. */
function mergeDicts(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isPlainObject(existing) && isPlainObject(value)) mergeDicts(existing, value);
    else target[key] = value;
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Date);
