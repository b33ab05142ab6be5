import { IamPolicyError } from '../errors.js';
import type { ServerlessConfig } from '../../mapping/serverless-config.js';
import { deployedFunctionName } from '../../mapping/function-environment.js';
import { functionStreamSettings } from '../../mapping/settings.js';
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

/** The logical id of a role given as a name, `!GetAtt X.Arn`, `Ref`, or an ARN of a role defined in resources. */
function roleLogicalId(role: unknown, resources: ServerlessConfig['resources']): string | undefined {
  if (typeof role === 'string') {
    if (resources[role]?.Type === 'AWS::IAM::Role') return role;
    const name = /^arn:[^:]+:iam::[^:]*:role\/(?:.*\/)?([^/]+)$/.exec(role)?.[1];
    return Object.entries(resources).find(([, r]) => r.Type === 'AWS::IAM::Role' && r.Properties?.RoleName === name)?.[0];
  }
  if (!isRecord(role)) return undefined;
  const getAtt = role['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  if (typeof role.Ref === 'string') return role.Ref;
  return undefined;
}

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
    statements.push(...parsePolicyStatements(policy.Properties?.PolicyDocument, policyId, context, `resources.${policyId}.Properties.PolicyDocument`));
  }
  const managed = properties.ManagedPolicyArns;
  if (Array.isArray(managed) && managed.length > 0) {
    warnings.push(`role ${logicalId}: ManagedPolicyArns are not known locally; their permissions are not granted (add them as Policies to check them)`);
  }
  return { name, statements };
}

/**
 * Serverless's default role: provider.iam.role.statements (or the older provider.iamRoleStatements), plus what
 * Serverless adds for the stream events and on-failure destinations of the functions that use it.
 */
function defaultRole(config: ServerlessConfig, users: string[], context: IntrinsicContext, warnings: string[]): IamRole {
  const iam = isRecord(config.provider.iam) ? config.provider.iam : {};
  const role = isRecord(iam.role) ? iam.role : {};
  const name = typeof role.name === 'string' && role.name ? role.name : `${config.service}-${config.stage}-${config.region}-lambdaRole`;
  const declared = role.statements ?? config.provider.iamRoleStatements ?? [];
  const path = role.statements !== undefined ? 'provider.iam.role.statements' : 'provider.iamRoleStatements';
  const statements = parsePolicyStatements(declared, 'provider.iam.role', context, path);
  if (Array.isArray(role.managedPolicies) && role.managedPolicies.length > 0) {
    warnings.push('provider.iam.role.managedPolicies are not known locally; their permissions are not granted (write them as statements to check them)');
  }
  for (const functionName of users) {
    for (const settings of functionStreamSettings(config, functionName)) {
      statements.push({
        label: `provider.iam.role/serverless-stream-${functionName}`,
        effect: 'Allow',
        actions: ['dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:DescribeStream', 'dynamodb:ListStreams'],
        resources: [`arn:${context.partition ?? 'aws'}:dynamodb:${context.region}:${context.accountId}:table/${settings.tableName}/stream/*`],
        conditional: false,
      });
      const destination = settings.onFailureDestination ? destinationArn(settings.onFailureDestination, context) : undefined;
      if (destination) {
        statements.push({
          label: `provider.iam.role/serverless-destination-${functionName}`,
          effect: 'Allow',
          actions: ['sqs:SendMessage', 'sns:Publish'],
          resources: [destination],
          conditional: false,
        });
      }
    }
  }
  return { name, statements };
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
export function functionRoles(config: ServerlessConfig, context: Omit<IntrinsicContext, 'resources'>): FunctionRoles {
  const full: IntrinsicContext = { stackName: `${config.service}-${config.stage}`, ...context, resources: config.resources };
  const warnings: string[] = [];
  const identities = new Map<string, FunctionIdentity>();
  const iam = isRecord(config.provider.iam) ? config.provider.iam : {};
  const providerRole = typeof iam.role === 'string' || (isRecord(iam.role) && ('Fn::GetAtt' in iam.role || 'Ref' in iam.role)) ? iam.role : config.provider.role;
  const roles = new Map<string, IamRole>();
  const usersOfDefault: string[] = [];
  for (const [functionName, fn] of Object.entries(config.functions)) {
    const declared = fn.role ?? providerRole;
    if (declared === undefined) usersOfDefault.push(functionName);
  }
  let defaultRoleOnce: IamRole | undefined;
  for (const [functionName, fn] of Object.entries(config.functions)) {
    const declared = fn.role ?? providerRole;
    let role: IamRole | undefined;
    if (declared === undefined) {
      role = defaultRoleOnce ??= defaultRole(config, usersOfDefault, full, warnings);
    } else {
      const logicalId = roleLogicalId(declared, config.resources);
      if (!logicalId || config.resources[logicalId]?.Type !== 'AWS::IAM::Role') {
        warnings.push(`function ${functionName}: role ${JSON.stringify(declared)} is not an AWS::IAM::Role of resources; its calls are not checked locally`);
        continue;
      }
      role = roles.get(logicalId);
      if (!role) {
        role = resourceRole(logicalId, full, warnings);
        roles.set(logicalId, role);
      }
    }
    identities.set(functionName, { functionName, deployedName: deployedFunctionName(config.service, config.stage, functionName, fn), role });
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
