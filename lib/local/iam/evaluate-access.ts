import type { IamRole, PolicyStatement } from './policy.js';
import { matchesWildcard } from './wildcard.js';

/** One permission a request needs: an action on a resource ARN (`*` for actions without a resource type). */
export interface AccessRequest {
  action: string;
  resource: string;
}

/** What IAM decides for one request. */
export type AccessDecision =
  | { kind: 'allowed'; statement: PolicyStatement }
  | { kind: 'implicitly-denied' }
  | { kind: 'explicitly-denied'; statement: PolicyStatement };

const actionMatches = (statement: PolicyStatement, action: string): boolean =>
  statement.actions
    ? statement.actions.some((pattern) => matchesWildcard(pattern, action, { ignoreCase: true }))
    : !statement.notActions!.some((pattern) => matchesWildcard(pattern, action, { ignoreCase: true }));

const resourceMatches = (statement: PolicyStatement, resource: string): boolean =>
  statement.resources
    ? statement.resources.some((pattern) => matchesWildcard(pattern, resource))
    : !statement.notResources!.some((pattern) => matchesWildcard(pattern, resource));

/**
 * Whether a statement applies. Conditions are not evaluated locally; the safe reading is taken, so that
 * nothing passes here that AWS could refuse: an Allow with a Condition never applies, a Deny with a
 * Condition always does. (Local runs may then refuse what AWS allows; the stack warns about such statements.)
 */
const applies = (statement: PolicyStatement, request: AccessRequest): boolean =>
  (statement.conditional ? statement.effect === 'Deny' : true) &&
  actionMatches(statement, request.action) &&
  resourceMatches(statement, request.resource);

/** IAM's evaluation of identity-based policies: an explicit Deny wins, then an Allow, else the default deny. */
export function evaluateAccess(role: IamRole, request: AccessRequest): AccessDecision {
  let allowing: PolicyStatement | undefined;
  for (const statement of role.statements) {
    if (!applies(statement, request)) continue;
    if (statement.effect === 'Deny') return { kind: 'explicitly-denied', statement };
    allowing ??= statement;
  }
  return allowing ? { kind: 'allowed', statement: allowing } : { kind: 'implicitly-denied' };
}

/** The first request of a call that the role may not make, with its decision; undefined when all are allowed. */
export function firstDenied(
  role: IamRole,
  requests: AccessRequest[],
): { request: AccessRequest; decision: Exclude<AccessDecision, { kind: 'allowed' }> } | undefined {
  for (const request of requests) {
    const decision = evaluateAccess(role, request);
    if (decision.kind !== 'allowed') return { request, decision };
  }
  return undefined;
}
