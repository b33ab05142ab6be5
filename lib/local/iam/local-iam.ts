import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MappingPermissionError } from '../errors.js';
import type { Logger } from '../../runtime/logging/logger.js';
import type { StreamMappingSettings } from '../../mapping/settings.js';
import type { ServerlessConfig } from '../../mapping/serverless-config.js';
import { normalizeArn } from './dynamodb-request-access.js';
import { functionAccessKeyId } from './function-access-key.js';
import { destinationArn, functionRoles } from './function-roles.js';
import type { FaultInjector } from '../faults/fault-injector.js';
import { startIamProxy, type IamProxy, type Principal } from './iam-proxy.js';
import { checkMappingPermissions, type MappingPermissionProblem } from './mapping-permissions.js';

export interface LocalIamOptions {
  config: ServerlessConfig;
  /** The mappings the stack runs: each is checked against its function's role. */
  mappings: { functionName: string; settings: StreamMappingSettings }[];
  /** DynamoDB Local's endpoint, behind the proxy. */
  target: string;
  /** The stack's own client, to read each stream's ARN. */
  dynamodb: DynamoDBClient;
  accountId: string;
  logger: Logger;
  /** Fails some of the functions' DynamoDB calls as the cloud does (the soak). */
  faults?: FaultInjector;
}

/** IAM as the local stack enforces it: a proxy for the handlers, and the access key each function signs with. */
export interface LocalIam {
  /** Where the handlers' DYNAMODB_ENDPOINT points. */
  readonly endpoint: string;
  readonly proxy: IamProxy;
  /** The access key id of a function whose role is known; undefined for a function that runs unchecked. */
  accessKeyIdOf(functionName: string): string | undefined;
  /** Checks mappings (a reloaded serverless.yml's) as the start did; throws MappingPermissionError. */
  checkMappings(mappings: { functionName: string; settings: StreamMappingSettings }[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Reads every function's role, checks that each mapping's role can read its stream and send to its on-failure
 * destination (MappingPermissionError naming every missing action and resource otherwise), prints one warning
 * per thing it cannot check as AWS would, and starts the enforcing proxy in front of DynamoDB Local.
 */
export async function startLocalIam(options: LocalIamOptions): Promise<LocalIam> {
  const { config, logger } = options;
  const context = { region: config.region, accountId: options.accountId };
  const { identities, warnings } = functionRoles(config, context);
  for (const warning of warnings) logger.warn(`local IAM: ${warning}`, { event: 'iam-warning' });

  /** Checks mappings against their functions' roles: warnings are logged, errors thrown together. */
  const checkMappings = async (mappings: LocalIamOptions['mappings']): Promise<void> => {
    const problems: MappingPermissionProblem[] = [];
    for (const { functionName, settings } of mappings) {
      const identity = identities.get(functionName);
      if (!identity || !settings.enabled) continue;
      const table = await options.dynamodb.send(new DescribeTableCommand({ TableName: settings.tableName }));
      const streamArn = normalizeArn(settings.streamArn ?? table.Table?.LatestStreamArn ?? '', context);
      const destination = settings.onFailureDestination
        ? destinationArn(settings.onFailureDestination, { ...context, resources: config.resources })
        : undefined;
      const access = { functionName, streamArn, ...(destination ? { destinationArn: destination } : {}) };
      problems.push(...checkMappingPermissions(identity.role, access));
    }
    for (const problem of problems.filter((p) => p.severity === 'warning')) {
      logger.warn(`local IAM: ${problem.message}`, { event: 'iam-warning' });
    }
    const errors = problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) {
      throw new MappingPermissionError(
        `The roles in serverless.yml lack permissions their event-source mappings need; add them to the role (or start with --no-iam):\n` +
          errors.map((p) => `  ${p.message}`).join('\n'),
      );
    }
  };
  await checkMappings(options.mappings);

  const principals = new Map<string, Principal>();
  const keys = new Map<string, string>();
  for (const identity of identities.values()) {
    const keyId = functionAccessKeyId(identity.deployedName);
    keys.set(identity.functionName, keyId);
    principals.set(keyId, {
      functionName: identity.functionName,
      role: identity.role,
      identity: { accountId: options.accountId, roleName: identity.role.name, sessionName: identity.deployedName },
    });
  }
  const proxy = await startIamProxy({
    target: options.target,
    principals,
    arns: context,
    logger,
    ...(options.faults ? { faults: options.faults } : {}),
  });
  logger.info(
    `local IAM: the handlers reach DynamoDB Local through ${proxy.endpoint}, which enforces their roles (--no-iam turns it off)`,
    {
      event: 'iam-enforced',
      functions: [...identities.values()].map((identity) => `${identity.functionName}:${identity.role.name}`),
    },
  );
  return {
    endpoint: proxy.endpoint,
    proxy,
    accessKeyIdOf: (functionName) => keys.get(functionName),
    checkMappings,
    stop: () => proxy.stop(),
  };
}
