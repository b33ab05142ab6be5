import { readFileSync } from 'node:fs';
import { parse, type Tags } from 'yaml';
import { ConfigurationError } from '../runtime/errors.js';
import { projectPaths } from './project-paths.js';
import { SERVERLESS_DEFAULTS } from './serverless-defaults.js';

/** A CloudFormation resource as written under `resources.Resources`. */
export interface CloudFormationResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

/** The parts of `serverless.yml` the local tooling reads, with Serverless variables resolved. */
export interface ServerlessConfig {
  service: string;
  stage: string;
  region: string;
  provider: Record<string, unknown>;
  functions: Record<string, Record<string, unknown>>;
  resources: Record<string, CloudFormationResource>;
}

export interface ReadServerlessConfigOptions {
  /** Path of serverless.yml; defaults to the project's. */
  path?: string;
  stage?: string;
  region?: string;
  env?: NodeJS.ProcessEnv;
}

const INTRINSICS = [
  'Ref',
  'Sub',
  'GetAtt',
  'Join',
  'Select',
  'Split',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'FindInMap',
  'ImportValue',
  'Base64',
  'Cidr',
  'GetAZs',
];

// CloudFormation short forms (`!GetAtt Books.StreamArn`) become their long form, as CloudFormation reads them.
const cloudFormationTags: Tags = INTRINSICS.flatMap((name) => {
  const key = name === 'Ref' ? 'Ref' : `Fn::${name}`;
  const tag = `!${name}`;
  return [
    { tag, resolve: (value: string) => ({ [key]: name === 'GetAtt' ? value.split('.') : value }) },
    { tag, collection: 'seq' as const, resolve: (value: unknown) => ({ [key]: (value as { toJSON(): unknown }).toJSON() }) },
    { tag, collection: 'map' as const, resolve: (value: unknown) => ({ [key]: (value as { toJSON(): unknown }).toJSON() }) },
  ];
}) as Tags;

const VARIABLE = /\$\{((?:sls|self|opt|env):[^${}]*)\}/;

function lookup(root: unknown, path: string): unknown {
  let node: unknown = root;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function resolveVariable(expression: string, root: unknown, context: Required<Omit<ReadServerlessConfigOptions, 'path'>>): unknown {
  const [reference, ...fallbackParts] = expression.split(',');
  const fallbackText = fallbackParts.join(',').trim();
  const fallback = fallbackText === '' ? undefined : fallbackText.replace(/^['"]|['"]$/g, '');
  const [source, address = ''] = [reference!.slice(0, reference!.indexOf(':')), reference!.slice(reference!.indexOf(':') + 1).trim()];
  let value: unknown;
  if (source === 'sls' && address === 'stage') value = context.stage;
  else if (source === 'opt' && address === 'stage') value = context.stage;
  else if (source === 'opt' && address === 'region') value = context.region;
  else if (source === 'opt') value = undefined;
  else if (source === 'env') value = context.env[address];
  else if (source === 'self') value = lookup(root, address);
  if (value === undefined || value === null || value === '') {
    if (fallback !== undefined) return fallback;
    if (fallbackText !== '') return '';
    throw new ConfigurationError(
      `serverless.yml: the variable \${${expression}} has no value and no fallback; define it or give a fallback`,
    );
  }
  return value;
}

function resolveString(text: string, root: unknown, context: Required<Omit<ReadServerlessConfigOptions, 'path'>>, depth = 0): unknown {
  if (depth > 20) throw new ConfigurationError(`serverless.yml: variables nest too deeply in "${text}"`);
  const match = VARIABLE.exec(text);
  if (!match) return text;
  const value = resolveVariable(match[1]!, root, context);
  const resolvedValue =
    typeof value === 'string' ? resolveString(value, root, context, depth + 1) : resolveTree(value, root, context, depth + 1);
  if (match.index === 0 && match[0].length === text.length) return resolvedValue;
  return resolveString(
    text.slice(0, match.index) + String(resolvedValue) + text.slice(match.index + match[0].length),
    root,
    context,
    depth + 1,
  );
}

function resolveTree(node: unknown, root: unknown, context: Required<Omit<ReadServerlessConfigOptions, 'path'>>, depth = 0): unknown {
  if (typeof node === 'string') return resolveString(node, root, context, depth);
  if (Array.isArray(node)) return node.map((item) => resolveTree(item, root, context, depth));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, resolveTree(value, root, context, depth)]));
  }
  return node;
}

/** Default path of the project's serverless.yml. */
export const defaultServerlessPath = (): string => projectPaths().serverlessYml;

/**
 * Reads serverless.yml the way the local tooling needs it: CloudFormation tags in long form and the
 * Serverless variables this project uses (`sls:stage`, `self:…`, `opt:stage`, `opt:region`, `env:…`) resolved.
 * Inside Serverless (the plugin), use `serverless.service` instead: it has resolved everything.
 */
export function readServerlessConfig(options: ReadServerlessConfigOptions = {}): ServerlessConfig {
  const path = options.path ?? defaultServerlessPath();
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8'), { customTags: cloudFormationTags });
  } catch (error) {
    throw new ConfigurationError(`Cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (!raw || typeof raw !== 'object') throw new ConfigurationError(`${path} is empty or not a YAML mapping`);
  const doc = raw as Record<string, unknown>;
  const env = options.env ?? process.env;
  const stage = options.stage ?? SERVERLESS_DEFAULTS.stage;
  const provisional = { stage, region: options.region ?? SERVERLESS_DEFAULTS.region, env };
  const provider = resolveTree(doc.provider ?? {}, doc, provisional) as Record<string, unknown>;
  const region = options.region ?? (typeof provider.region === 'string' ? provider.region : SERVERLESS_DEFAULTS.region);
  const context = { stage, region, env };
  const resources = (lookup(doc, 'resources.Resources') ?? {}) as Record<string, CloudFormationResource>;
  return {
    service: String(resolveTree(doc.service, doc, context)),
    stage,
    region,
    provider: resolveTree(doc.provider ?? {}, doc, context) as Record<string, unknown>,
    functions: resolveTree(doc.functions ?? {}, doc, context) as Record<string, Record<string, unknown>>,
    resources: resolveTree(resources, doc, context) as Record<string, CloudFormationResource>,
  };
}
