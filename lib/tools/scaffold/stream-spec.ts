/** A key attribute of the new table: its name and DynamoDB scalar type. */
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N' | 'B';
}

/** Everything `npm run new-stream` derives from a name and a key spec: every name it will add, decided once. */
export interface StreamSpec {
  /** kebab-case: `product-reviews`; the table is `<kebab>-${sls:stage}`. */
  kebab: string;
  /** PascalCase: `ProductReviews`, the prefix of the logical IDs. */
  pascal: string;
  /** The function: `productReviewsStream`. */
  functionName: string;
  tableLogicalId: string;
  roleLogicalId: string;
  queueLogicalId: string;
  /** Literal table name, with the stage variable: `product-reviews-${sls:stage}`. */
  tableName: string;
  /** `functions/product-reviews-stream.ts`, relative to the project. */
  handlerFile: string;
  /** What serverless.yml names as the handler: `functions/product-reviews-stream.handler`. */
  handlerPath: string;
  /** `test/streams/product-reviews-stream.test.ts`. */
  testFile: string;
  /** `test/fixtures/streams/product-reviews-stream.json`: the fixture's factory inputs. */
  fixtureCaseFile: string;
  /** `events/product-reviews-insert.json`. */
  eventFile: string;
  /** Partition key first, then the optional sort key. */
  keys: [KeyAttribute] | [KeyAttribute, KeyAttribute];
}

/** The outcome of reading the command's arguments: a spec, or what is wrong with them. */
export type StreamSpecResult = { kind: 'ok'; spec: StreamSpec } | { kind: 'invalid'; problems: string[] };

const KEBAB = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const CAMEL = /^[a-z][a-zA-Z0-9]*$/;
// Key names go into serverless.yml, filter patterns and generated TypeScript; other names need a hand edit.
const KEY_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const MAX_KEY_NAME_BYTES = 255;
// A table name is `<kebab>-<stage>` (3..255 characters); the queue and function names are checked against a stage later.
const MAX_NAME = 40;

const toKebab = (name: string): string => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
const capitalize = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

function parseKeys(keySpec: string, problems: string[]): KeyAttribute[] {
  const parts = keySpec.split(',');
  if (parts.length > 2) problems.push(`--key "${keySpec}" has ${parts.length} attributes; give a partition key and at most one sort key`);
  const keys: KeyAttribute[] = [];
  for (const [index, part] of parts.slice(0, 2).entries()) {
    const role = index === 0 ? 'partition key' : 'sort key';
    const colon = part.lastIndexOf(':');
    const name = colon < 0 ? part : part.slice(0, colon);
    const type = colon < 0 ? '' : part.slice(colon + 1).toUpperCase();
    if (colon < 0 || name === '') {
      problems.push(`--key: the ${role} "${part}" must be written <attribute>:<S|N|B>, for example id:S`);
      continue;
    }
    if (!KEY_NAME.test(name))
      problems.push(
        `--key: the ${role} name "${name}" may hold only letters, digits, _ . - and must not start with a digit or - . ` +
          `(other names: edit serverless.yml by hand)`,
      );
    else if (Buffer.byteLength(name) > MAX_KEY_NAME_BYTES)
      problems.push(`--key: the ${role} name is ${Buffer.byteLength(name)} bytes; DynamoDB allows at most ${MAX_KEY_NAME_BYTES}`);
    if (type !== 'S' && type !== 'N' && type !== 'B') {
      problems.push(`--key: the ${role} "${name}" has type "${part.slice(colon + 1)}"; a key is S (string), N (number) or B (binary)`);
      continue;
    }
    keys.push({ name, type });
  }
  if (keys.length === 2 && keys[0]!.name === keys[1]!.name)
    problems.push(`--key: the partition key and the sort key are both "${keys[0]!.name}"; give two different attributes`);
  return keys;
}

/** Reads and checks the stream's name (kebab-case or camelCase) and key spec; derives every name from them. */
export function parseStreamSpec(name: string, keySpec: string): StreamSpecResult {
  const problems: string[] = [];
  if (!KEBAB.test(name) && !CAMEL.test(name)) {
    problems.push(
      `The name "${name}" must be kebab-case or camelCase, start with a lowercase letter ` +
        `and hold only letters and digits (for example invoices, product-reviews)`,
    );
  } else if (name.length > MAX_NAME) {
    problems.push(
      `The name "${name}" is ${name.length} characters; at most ${MAX_NAME}, so the function and queue names stay within AWS's limits`,
    );
  }
  const keys = parseKeys(keySpec, problems);
  if (problems.length > 0) return { kind: 'invalid', problems };
  const kebab = CAMEL.test(name) ? toKebab(name) : name;
  const pascal = kebab.split('-').map(capitalize).join('');
  const camel = pascal.charAt(0).toLowerCase() + pascal.slice(1);
  return {
    kind: 'ok',
    spec: {
      kebab,
      pascal,
      functionName: `${camel}Stream`,
      tableLogicalId: `${pascal}Table`,
      roleLogicalId: `${pascal}StreamRole`,
      queueLogicalId: `${pascal}StreamDeadLetterQueue`,
      tableName: `${kebab}-\${sls:stage}`,
      handlerFile: `functions/${kebab}-stream.ts`,
      handlerPath: `functions/${kebab}-stream.handler`,
      testFile: `test/streams/${kebab}-stream.test.ts`,
      fixtureCaseFile: `test/fixtures/streams/${kebab}-stream.json`,
      eventFile: `events/${kebab}-insert.json`,
      keys: keys as StreamSpec['keys'],
    },
  };
}
