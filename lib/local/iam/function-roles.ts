import { IamPolicyError } from '../errors.js';
import type { ServerlessConfig } from '../../mapping/serverless-config.js';
import { readFunctionSpecs, roleLogicalId, type FunctionSpec } from '../../mapping/function-spec.js';
import { streamArn } from '../../runtime/arn.js';
import { resolveIntrinsic, type IntrinsicContext } from './intrinsics.js';
import { parsePolicyStatements, type IamRole, type PolicyStatement } from './policy.js';

/** Who a function is on AWS: its deployed name (the role session) and the role it assumes. */
export interface FunctionIdentity {
  functionName: string;
  deployedName: string;
  role: IamRole;
}

export interface FunctionRoles {
  /** Functions whose role is known; others run unchecked (see warnings). */
  identities: Map<string, FunctionIdentity>;
  /** One line each: what local IAM cannot check as AWS would. */
  warnings: string[];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** An AWS::IAM::Role of resources with its inline Policies and the AWS::IAM::Policy resources attached to it. */
function resourceRole(logicalId: string, context: IntrinsicContext, warnings: string[]): IamRole {
  const resource = context.resources[logicalId]!;
  const properties = resource.Properties ?? {};
  const name = typeof properties.RoleName === 'string' && properties.RoleName ? properties.RoleName : logicalId;
  const statements: PolicyStatement[] = [];
  const policies = properties.Policies ?? [];
  if (!Array.isArray(policies)) throw new IamPolicyError(`resources.${logicalId}.Properties.Policies must be a list`);
  policies.forEach((policy, index) => {
    const path = `resources.${logicalId}.Properties.Policies[${index}]`;
    if (!isRecord(policy)) throw new IamPolicyError(`${path} is not an object with PolicyName and PolicyDocument`);
    const label = `${logicalId}/${typeof policy.PolicyName === 'string' ? policy.PolicyName : `Policies[${index}]`}`;
    statements.push(...parsePolicyStatements(policy.PolicyDocument, label, context, `${path}.PolicyDocument`));
  });
  for (const [policyId, policy] of Object.entries(context.resources)) {
    if (policy.Type !== 'AWS::IAM::Policy' && policy.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const roles = Array.isArray(policy.Properties?.Roles) ? (policy.Properties.Roles as unknown[]) : [];
    if (!roles.some((role) => roleLogicalId(role, context.resources) === logicalId || role === name)) continue;
    statements.push(
      ...parsePolicyStatements(policy.Properties?.PolicyDocument, policyId, context, `resources.${policyId}.Properties.PolicyDocument`),
    );
  }
  const managed = properties.ManagedPolicyArns;
  if (Array.isArray(managed) && managed.length > 0) {
    warnings.push(
      `role ${logicalId}: ManagedPolicyArns are not known locally; their permissions are not granted (add them as Policies to check them)`,
    );
  }
  return { name, statements };
}

/**
 * Serverless's default role: provider.iam.role.statements (or the older provider.iamRoleStatements), plus what
 * Serverless adds for the stream events and on-failure destinations of the functions that use it.
 */
function defaultRole(
  role: Extract<FunctionSpec['role'], { kind: 'default' }>,
  users: readonly FunctionSpec[],
  context: IntrinsicContext,
  warnings: string[],
): IamRole {
  const statements = parsePolicyStatements(role.statements, 'provider.iam.role', context, role.statementsPath);
  if (role.managedPolicies.length > 0) {
    warnings.push(
      'provider.iam.role.managedPolicies are not known locally; their permissions are not granted (write them as statements to check them)',
    );
  }
  for (const spec of users) {
    for (const settings of spec.streamMappings) {
      statements.push({
        label: `provider.iam.role/serverless-stream-${spec.key}`,
        effect: 'Allow',
        actions: ['dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:DescribeStream', 'dynamodb:ListStreams'],
        resources: [streamArn(context, settings.tableName, '*')],
        conditional: false,
      });
      const destination = settings.onFailureDestination ? destinationArn(settings.onFailureDestination, context) : undefined;
      if (destination) {
        statements.push({
          label: `provider.iam.role/serverless-destination-${spec.key}`,
          effect: 'Allow',
          actions: ['sqs:SendMessage', 'sns:Publish'],
          resources: [destination],
          conditional: false,
        });
      }
    }
  }
  return { name: role.name, statements };
}

/** The ARN of an on-failure destination given as an ARN or as the logical id of a queue, topic or bucket. */
export function destinationArn(destination: string, context: IntrinsicContext): string {
  if (destination.startsWith('arn:')) return destination;
  const type = context.resources[destination]?.Type;
  const path = `on-failure destination ${destination}`;
  if (type === 'AWS::SNS::Topic') return resolveIntrinsic({ Ref: destination }, context, path);
  return resolveIntrinsic({ 'Fn::GetAtt': [destination, 'Arn'] }, context, path);
}

/**
 * The role each function assumes, as CloudFormation and Serverless would set it up: the function's `role`
 * (an AWS::IAM::Role of resources), else provider.iam.role (a role of resources, or Serverless's default role).
 * A role defined outside serverless.yml cannot be read: that function runs unchecked, with a warning.
 * Throws IamPolicyError for a policy that cannot be read.
 */
export function functionRoles(
  config: ServerlessConfig,
  context: Omit<IntrinsicContext, 'resources'>,
  specs: readonly FunctionSpec[] = readFunctionSpecs(config),
): FunctionRoles {
  const full: IntrinsicContext = { stackName: `${config.service}-${config.stage}`, ...context, resources: config.resources };
  const warnings: string[] = [];
  const identities = new Map<string, FunctionIdentity>();
  const roles = new Map<string, IamRole>();
  const usersOfDefault = specs.filter((spec) => spec.role.kind === 'default');
  let defaultRoleOnce: IamRole | undefined;
  for (const spec of specs) {
    let role: IamRole | undefined;
    if (spec.role.kind === 'default') {
      role = defaultRoleOnce ??= defaultRole(spec.role, usersOfDefault, full, warnings);
    } else if (spec.role.kind === 'external') {
      warnings.push(
        `function ${spec.key}: role ${JSON.stringify(spec.role.declared)} is not an AWS::IAM::Role of resources; ` +
          `its calls are not checked locally`,
      );
      continue;
    } else {
      role = roles.get(spec.role.logicalId);
      if (!role) {
        role = resourceRole(spec.role.logicalId, full, warnings);
        roles.set(spec.role.logicalId, role);
      }
    }
    identities.set(spec.key, { functionName: spec.key, deployedName: spec.deployedName, role });
  }
  for (const role of new Set([...identities.values()].map((identity) => identity.role))) {
    for (const statement of role.statements.filter((s) => s.conditional)) {
      warnings.push(
        `statement ${statement.label} has a Condition, which local IAM does not evaluate: ` +
          (statement.effect === 'Allow' ? 'this Allow grants nothing locally' : 'this Deny applies to every matching call locally'),
      );
    }
  }
  return { identities, warnings };
}
