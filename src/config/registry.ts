/**
 * The one way a program reads its environment: every variable declared once (name, type, default, a line of doc,
 * secret or not) in its program's registry, parsed at start — never at import — into a typed object. All problems
 * are collected into one ConfigError (code E_CONFIG) naming each variable, never echoing a secret's value; names
 * with the program's prefixes that no registry declares are warned about once, with the closest known name.
 * The docs' variable tables are rendered from the registries (`npm run docs:config`, checked by a test).
 */
import { z } from 'zod';

/** An environment: process.env, or the object a parent hands to a child or a test passes in. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A variable has a wrong value, a required one is missing, or two contradict each other. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'E_CONFIG';
  /** One line per variable at fault (the message joins them with '; '). */
  readonly problems: readonly string[];
  constructor(problems: string | readonly string[]) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(list.join('; '));
    this.problems = list;
  }
}

/** One environment variable: how it is parsed and how the docs describe it. */
export interface Variable<T = unknown> {
  /** The type as the docs' table shows it (`integer >= 1`, `on | off`, `URL`, `path`, `string`). */
  readonly type: string;
  /** What the error says the value must be (`an integer >= 1`, `on or off`). */
  readonly expected: string;
  /** The default as the docs' table shows it ('' = none). */
  readonly default: string;
  /** One line: what it does. */
  readonly doc: string;
  /** A password or key: its value never appears in an error, a warning or the docs. */
  readonly secret: boolean;
  /** Parses the raw value (undefined = unset). */
  readonly schema: z.ZodType<T>;
}

export type Variables = Record<string, Variable>;
export type Parsed<V extends Variables> = { readonly [K in keyof V]: V[K] extends Variable<infer T> ? T : never };

interface Common {
  /** @default false */
  secret?: boolean;
  /** The default as the docs show it, when it is not a plain value (e.g. "the seed password"). */
  defaultDoc?: string;
  /** The docs' type, when more precise than the builder's. */
  type?: string;
}

const unsetIfBlank = (value: unknown): unknown => (value === '' ? undefined : value);

function spec(
  doc: string,
  schema: z.ZodType,
  type: string,
  expected: string,
  fallback: string,
  o: Common,
): Variable<never> {
  return {
    type: o.type ?? type,
    expected,
    default: o.defaultDoc ?? fallback,
    doc,
    secret: o.secret ?? false,
    schema: schema as z.ZodType<never>,
  };
}

/** Builders of the variable kinds the programs use; each keeps the current meaning of "unset". */
export const variable = {
  /** A string; '' counts as unset unless `keepEmpty`. */
  string<D extends string | undefined = undefined>(
    doc: string,
    o: Common & { default?: D; keepEmpty?: boolean } = {},
  ): Variable<D extends string ? string : string | undefined> {
    const base = o.keepEmpty ? z.string().optional() : z.preprocess(unsetIfBlank, z.string().optional());
    const schema = o.default === undefined ? base : base.transform((v) => v ?? (o.default as string));
    return spec(doc, schema, 'string', 'a string', o.default ?? '', o);
  },

  /** A whole number in [min, max]; '' counts as unset. */
  int<D extends number | undefined = undefined>(
    doc: string,
    o: Common & { default?: D; min?: number; max?: number } = {},
  ): Variable<D extends number ? number : number | undefined> {
    const min = o.min ?? 0;
    let n = z.coerce.number().int().min(min);
    if (o.max !== undefined) n = n.max(o.max);
    const schema = z.preprocess(unsetIfBlank, o.default === undefined ? n.optional() : n.default(o.default));
    const range = o.max === undefined ? `>= ${min}` : `${min}..${o.max}`;
    return spec(
      doc,
      schema,
      `integer ${range}`,
      `an integer ${range}`,
      o.default === undefined ? '' : String(o.default),
      o,
    );
  },

  /** One of `values` (case-insensitive); '' counts as unset. */
  oneOf<const V extends readonly [string, ...string[]], D extends V[number] | undefined = undefined>(
    values: V,
    doc: string,
    o: Common & { default?: D } = {},
  ): Variable<D extends string ? V[number] : V[number] | undefined> {
    const lower = (v: unknown) => (typeof v === 'string' && v !== '' ? v.toLowerCase() : undefined);
    const e = z.enum(values);
    const schema = z.preprocess(lower, o.default === undefined ? e.optional() : e.default(o.default as never));
    const expected =
      values.length === 1 ? values[0] : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
    return spec(doc, schema, values.join(' \\| '), expected, o.default ?? '', o);
  },

  /** A switch that is on only when set to `on` (anything else, including unset, is off) — as the code read it. */
  onWhen<const W extends string>(word: W, doc: string, o: Common = {}): Variable<boolean> {
    const schema = z
      .string()
      .optional()
      .transform((v) => v !== undefined && v.toLowerCase() === word);
    return word === 'on'
      ? spec(doc, schema, 'on \\| off', 'on', 'off', o)
      : spec(doc, schema, `${word} \\| unset`, word, 'unset', o);
  },

  /** Set (to anything non-empty) or not. */
  present(doc: string, o: Common = {}): Variable<boolean> {
    const schema = z
      .string()
      .optional()
      .transform((v) => v !== undefined && v !== '');
    return spec(doc, schema, 'any \\| unset', 'anything', 'unset', o);
  },
};

/** A program's variables, the prefixes it owns, and the registries whose names it passes on to its children. */
export interface Registry<V extends Variables = Variables> {
  /** The program as the docs and the warning name it (`service`, `gate`, …). */
  readonly program: string;
  readonly variables: V;
  /** Names with these prefixes that no known registry declares are warned about. */
  readonly prefixes: readonly string[];
  /** Registries whose variables this program accepts (it hands its environment to them). */
  readonly knows: readonly Registry[];
}

export function defineRegistry<V extends Variables>(
  program: string,
  variables: V,
  o: { prefixes?: readonly string[]; knows?: readonly Registry[] } = {},
): Registry<V> {
  return { program, variables, prefixes: o.prefixes ?? [], knows: o.knows ?? [] };
}

/** The problem line of one variable: what it must be, with the value unless it is a secret. */
function problem(name: string, v: Variable, raw: string | undefined): string {
  const shown = v.secret ? '(value not shown: a secret)' : `got ${JSON.stringify(raw)}`;
  return `${name} must be ${v.expected}, ${shown}`;
}

/** Parses every variable of `registry` from `env`; throws one ConfigError naming each variable at fault. */
export function parseEnv<V extends Variables>(registry: Registry<V>, env: Env): Parsed<V> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, v] of Object.entries(registry.variables)) {
    const result = v.schema.safeParse(env[name]);
    if (result.success) out[name] = result.data;
    else problems.push(problem(name, v, env[name]));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as Parsed<V>;
}

/** Several registries parsed from one `env`, every problem of all of them in one ConfigError. */
export function parseEnvAll<A extends Variables, B extends Variables>(
  a: Registry<A>,
  b: Registry<B>,
  env: Env,
): Parsed<A> & Parsed<B>;
export function parseEnvAll<A extends Variables, B extends Variables, C extends Variables>(
  a: Registry<A>,
  b: Registry<B>,
  c: Registry<C>,
  env: Env,
): Parsed<A> & Parsed<B> & Parsed<C>;
export function parseEnvAll(...args: unknown[]): Record<string, unknown> {
  const env = args.pop() as Env;
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const registry of args as Registry[]) {
    try {
      Object.assign(out, parseEnv(registry, env));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}

/** One variable of `registry` from `env`, parsed (a ConfigError naming it when malformed). */
export function readVariable<V extends Variables, K extends keyof V & string>(
  registry: Registry<V>,
  name: K,
  env: Env,
): Parsed<V>[K] {
  const v = registry.variables[name] as Variable;
  const result = v.schema.safeParse(env[name]);
  if (!result.success) throw new ConfigError(problem(name, v, env[name]));
  return result.data as Parsed<V>[K];
}

/** Every name a program accepts: its own and those of the registries it knows, transitively. */
export function knownNames(registry: Registry): Set<string> {
  const names = new Set<string>();
  const seen = new Set<Registry>();
  const visit = (r: Registry): void => {
    if (seen.has(r)) return;
    seen.add(r);
    for (const name of Object.keys(r.variables)) names.add(name);
    for (const k of r.knows) visit(k);
  };
  visit(registry);
  return names;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/** The known name closest to `name`, when it is close enough to be a typo. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

/** Names in `env` with the program's prefixes that it does not know, each with the closest known name. */
export function unknownNames(registry: Registry, env: Env): Array<{ name: string; suggestion?: string }> {
  const known = knownNames(registry);
  return Object.keys(env)
    .filter((name) => registry.prefixes.some((p) => name.startsWith(p)) && !known.has(name))
    .sort()
    .map((name) => {
      const suggestion = closestName(name, known);
      return suggestion ? { name, suggestion } : { name };
    });
}

const warned = new Set<string>();

/** One line on stderr (once per program and process) naming the unknown variables; returns the line or ''. */
export function warnUnknown(
  registry: Registry,
  env: Env,
  write: (line: string) => void = (line) => process.stderr.write(line),
): string {
  const unknown = unknownNames(registry, env);
  if (unknown.length === 0 || warned.has(registry.program)) return '';
  warned.add(registry.program);
  const names = unknown.map((u) => (u.suggestion ? `${u.name} (did you mean ${u.suggestion}?)` : u.name));
  const line = `${registry.program}: warning: unknown variable${unknown.length > 1 ? 's' : ''} ${names.join(', ')} — ignored (docs/configuration.md)\n`;
  write(line);
  return line;
}
