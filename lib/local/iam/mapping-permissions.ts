import { evaluateAccess, type AccessRequest } from './evaluate-access.js';
import type { IamRole } from './policy.js';
import { serviceOfArn } from '../../runtime/arn.js';

/** What one event-source mapping does with its function's role: read a stream, maybe send to a destination. */
export interface MappingAccess {
  functionName: string;
  /** The stream's ARN as the stack's region and account name it (DynamoDB Local's own label). */
  streamArn: string;
  /** ARN of the on-failure destination (SQS queue, SNS topic or S3 bucket). */
  destinationArn?: string;
}

/** One permission a mapping needs and its role lacks. `warning`s do not stop the stack. */
export interface MappingPermissionProblem {
  severity: 'error' | 'warning';
  functionName: string;
  roleName: string;
  action: string;
  resource: string;
  /** One line that names the action, the resource and what to do. */
  message: string;
}

const STREAM_READS = ['dynamodb:DescribeStream', 'dynamodb:GetShardIterator', 'dynamodb:GetRecords'];

const sendAction = (arn: string): AccessRequest | undefined => {
  const service = serviceOfArn(arn);
  if (service === 'sqs') return { action: 'sqs:SendMessage', resource: arn };
  if (service === 'sns') return { action: 'sns:Publish', resource: arn };
  if (service === 's3') return { action: 's3:PutObject', resource: `${arn}/*` };
  return undefined;
};

/**
 * The permissions Lambda uses on the function's role for this mapping that the role does not grant: reading
 * the stream (DescribeStream, GetShardIterator, GetRecords on the stream ARN) and sending to the on-failure
 * destination are errors. dynamodb:ListStreams, which AWS documents for the execution role, has no resource
 * type (only `"*"` grants it) and the local engine never calls it: its absence is a warning.
 */
export function checkMappingPermissions(role: IamRole, mapping: MappingAccess): MappingPermissionProblem[] {
  const needed: { request: AccessRequest; severity: 'error' | 'warning'; why: string }[] = [
    ...STREAM_READS.map((action) => ({
      request: { action, resource: mapping.streamArn },
      severity: 'error' as const,
      why: 'to read its stream',
    })),
    {
      request: { action: 'dynamodb:ListStreams', resource: '*' },
      severity: 'warning',
      why: 'in its execution role (it has no resource type: grant it on "*")',
    },
  ];
  const send = mapping.destinationArn ? sendAction(mapping.destinationArn) : undefined;
  if (send) needed.push({ request: send, severity: 'error', why: 'to send to its on-failure destination' });
  const problems: MappingPermissionProblem[] = [];
  for (const { request, severity, why } of needed) {
    const decision = evaluateAccess(role, request);
    if (decision.kind === 'allowed') continue;
    const reason = decision.kind === 'explicitly-denied' ? `statement ${decision.statement.label} denies it` : 'no statement allows it';
    problems.push({
      severity,
      functionName: mapping.functionName,
      roleName: role.name,
      ...request,
      message:
        `function ${mapping.functionName}: role ${role.name} cannot perform ${request.action} on ${request.resource} ` +
        `(${reason}); Lambda needs it ${why}`,
    });
  }
  return problems;
}
