import { join } from 'node:path';
import { createDynamoDBClient } from '../../runtime/dynamodb/client.js';
import { answersDynamoDB } from '../../local/dynamodb-local/dynamodb-local.js';
import { functionAccessKeyId } from '../../local/iam/function-access-key.js';
import { functionRoles } from '../../local/iam/function-roles.js';
import { startLocalIam } from '../../local/iam/local-iam.js';
import { createLogger } from '../../runtime/logging/logger.js';
import { SERVERLESS_DEFAULTS } from '../../mapping/serverless-defaults.js';
import { invokedFunction, invokeEndpoint, stackConfigFromServerless, stageOf, type HookContext } from './serverless-hooks.js';
import { readStackFile } from '../../local/stack/stack-file.js';
import { EnvName } from '../../runtime/env-names.js';

/** Where an invoked function's DynamoDB calls are checked: the running stack's IAM proxy, or one of its own. */
export interface InvokeLocalIam {
  /** The proxy's endpoint, now the function's DYNAMODB_ENDPOINT. */
  endpoint: string;
  source: 'running stack' | 'this invocation';
  stop(): Promise<void>;
}

const sameEndpoint = (a: string, b: string): boolean => {
  const canonical = (text: string) => {
    try {
      const url = new URL(text);
      return `${url.hostname === 'localhost' ? '127.0.0.1' : url.hostname}:${url.port || '80'}`;
    } catch {
      return text;
    }
  };
  return canonical(a) === canonical(b);
};

/**
 * `sls invoke local` on the stage `local`: the function's DynamoDB calls go through an IAM proxy that checks them
 * against its role, as the stack's handlers' calls are. When `npm start` runs on the same DynamoDB Local (its
 * `.local/stack.json`), its proxy does it; otherwise a proxy of this invocation's own, in front of whatever answers
 * (the throwaway DynamoDB Local included). Sets DYNAMODB_ENDPOINT and the function's access key in `env` (the
 * process environment osls runs the handler with). Undefined when nothing is checked: another stage, LOCAL_IAM=off,
 * no endpoint, a role that cannot be read locally, or a running stack started with --no-iam.
 */
export async function enforceIamForInvokeLocal(
  context: HookContext,
  env: NodeJS.ProcessEnv,
  projectDir: string,
): Promise<InvokeLocalIam | undefined> {
  if (stageOf(context) !== 'local' || /^(off|false|0)$/i.test(env.LOCAL_IAM ?? '')) return undefined;
  const invoked = invokedFunction(context);
  const target = invokeEndpoint(context, env);
  if (!invoked || !target) return undefined;
  const config = stackConfigFromServerless(context);
  const { identities } = functionRoles(config, { region: config.region, accountId: SERVERLESS_DEFAULTS.localAccountId });
  const identity = identities.get(invoked.name);
  if (!identity) {
    context.log.notice(`local IAM: the role of ${invoked.name} cannot be read locally; its calls are not checked`);
    return undefined;
  }
  let checked: InvokeLocalIam;
  const stack = readStackFile(join(projectDir, '.local'));
  if (stack && stack.stage === config.stage && sameEndpoint(stack.endpoint, target)) {
    if (!stack.iamEndpoint) {
      context.log.notice('local IAM: the running npm start does not enforce IAM (--no-iam), so this invocation is not checked either');
      return undefined;
    }
    checked = (await answersDynamoDB(stack.iamEndpoint, 1500))
      ? { endpoint: stack.iamEndpoint, source: 'running stack', stop: async () => undefined }
      : await enforceOwn();
  } else {
    checked = await enforceOwn();
  }
  env[EnvName.dynamodbEndpoint] = checked.endpoint;
  env.AWS_ACCESS_KEY_ID = functionAccessKeyId(identity.deployedName);
  env.AWS_SECRET_ACCESS_KEY = 'local';
  env.AWS_SESSION_TOKEN = 'local';
  // A profile would make the SDK skip the environment's keys (and reach for real credentials).
  delete env.AWS_PROFILE;
  return checked;

  async function enforceOwn(): Promise<InvokeLocalIam> {
    const client = createDynamoDBClient({ endpoint: target, region: config.region });
    try {
      // Its lines (denials, what it cannot check) go to stderr: stdout is the handler's output and response.
      const logger = createLogger({ level: 'warn', fields: { component: 'local-iam' }, write: (line) => process.stderr.write(line) });
      const iam = await startLocalIam({
        config,
        mappings: [],
        target,
        dynamodb: client,
        accountId: SERVERLESS_DEFAULTS.localAccountId,
        logger,
      });
      return { endpoint: iam.endpoint, source: 'this invocation', stop: () => iam.stop() };
    } finally {
      client.destroy();
    }
  }
}
