import { IamPolicyError } from '../errors.js';
import { resolveIntrinsic, type IntrinsicContext } from './intrinsics.js';

/** One statement of an identity-based policy, with every value resolved to a string pattern. */
export interface PolicyStatement {
  /** Where it is written, for messages: `BooksStreamRole/books-stream/ReadOwnStream`. */
  label: string;
  effect: 'Allow' | 'Deny';
  /** Exactly one of actions / notActions is set. */
  actions?: string[];
  notActions?: string[];
  /** Exactly one of resources / notResources is set. */
  resources?: string[];
  notResources?: string[];
  /** The statement has a Condition, which local IAM does not evaluate (see evaluateAccess). */
  conditional: boolean;
}

/** An IAM role as a function assumes it: its name (for the assumed-role ARN) and its statements. */
export interface IamRole {
  name: string;
  statements: PolicyStatement[];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/**
 * The statements of one policy document (`{ Statement: [...] }`, or a single statement object, or a
 * list of statements as provider.iam.role.statements holds them). Throws IamPolicyError naming `path`.
 */
export function parsePolicyStatements(document: unknown, label: string, context: IntrinsicContext, path: string): PolicyStatement[] {
  const statements = Array.isArray(document)
    ? document
    : isRecord(document) && 'Statement' in document
      ? list(document.Statement)
      : undefined;
  if (!statements) throw new IamPolicyError(`${path} is not a policy document (no Statement)`);
  const where = Array.isArray(document) ? path : `${path}.Statement`;
  return statements.map((statement, index) => parseStatement(statement, label, context, `${where}[${index}]`, index));
}

function parseStatement(statement: unknown, label: string, context: IntrinsicContext, path: string, index: number): PolicyStatement {
  if (!isRecord(statement)) throw new IamPolicyError(`${path} is not a statement object`);
  const { Effect: effect } = statement;
  if (effect !== 'Allow' && effect !== 'Deny')
    throw new IamPolicyError(`${path}.Effect must be Allow or Deny, not ${JSON.stringify(effect)}`);
  const one = (a: string, b: string): [string, unknown] => {
    const has = [a, b].filter((key) => statement[key] !== undefined);
    if (has.length !== 1) throw new IamPolicyError(`${path} must have exactly one of ${a} and ${b}`);
    return [has[0]!, statement[has[0]!]];
  };
  const strings = (key: string, value: unknown): string[] => {
    const values = list(value);
    if (values.length === 0) throw new IamPolicyError(`${path}.${key} is empty`);
    return values.map((item, i) => resolveIntrinsic(item, context, `${path}.${key}[${i}]`));
  };
  const [actionKey, actionValue] = one('Action', 'NotAction');
  const actions = strings(actionKey, actionValue);
  for (const [i, action] of actions.entries()) {
    if (action !== '*' && !/^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/.test(action))
      throw new IamPolicyError(`${path}.${actionKey}[${i}] "${action}" is not service:Action`);
  }
  const [resourceKey, resourceValue] = one('Resource', 'NotResource');
  const resources = strings(resourceKey, resourceValue);
  const sid = typeof statement.Sid === 'string' && statement.Sid ? statement.Sid : `Statement[${index}]`;
  return {
    label: `${label}/${sid}`,
    effect,
    ...(actionKey === 'Action' ? { actions } : { notActions: actions }),
    ...(resourceKey === 'Resource' ? { resources } : { notResources: resources }),
    conditional: isRecord(statement.Condition) && Object.keys(statement.Condition).length > 0,
  };
}
