import type { AccessDecision, AccessRequest } from './evaluate-access.js';

/** The identity a function's calls carry on AWS: its role, assumed in a session named after the deployed function. */
export interface AssumedRole {
  accountId: string;
  roleName: string;
  sessionName: string;
  partition?: string;
}

export const assumedRoleArn = (identity: AssumedRole): string =>
  `arn:${identity.partition ?? 'aws'}:sts::${identity.accountId}:assumed-role/${identity.roleName}/${identity.sessionName}`;

/** AWS's wording of an AccessDeniedException for identity-based policies. */
export function accessDeniedMessage(
  identity: AssumedRole,
  request: AccessRequest,
  decision: Exclude<AccessDecision, { kind: 'allowed' }>,
): string {
  const reason =
    decision.kind === 'explicitly-denied'
      ? 'with an explicit deny in an identity-based policy'
      : `because no identity-based policy allows the ${request.action} action`;
  return `User: ${assumedRoleArn(identity)} is not authorized to perform: ${request.action} on resource: ${request.resource} ${reason}`;
}

/** The JSON body DynamoDB answers a denied call with (HTTP 400), which the SDK turns into AccessDeniedException. */
export const accessDeniedBody = (message: string): string =>
  JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', Message: message });
