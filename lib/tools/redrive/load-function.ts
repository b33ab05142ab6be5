import { declaredEnvironment, importHandlerModule } from '../../mapping/function-module.js';
import { CommandUsageError, ConfigurationError } from '../../runtime/errors.js';
import { functionStreamSettings, type StreamMappingSettings } from '../../mapping/settings.js';
import type { ServerlessConfig } from '../../mapping/serverless-config.js';
import type { RedriveHandler } from './redrive.js';

/** A function of serverless.yml, ready to run in this process. */
export interface LoadedFunction {
  name: string;
  handler: RedriveHandler;
  settings: StreamMappingSettings;
  /** Queue name of the stream event's SQS on-failure destination, when it has one. */
  deadLetterQueueName: string | undefined;
}

/** The function's stream-event settings as serverless.yml declares them. */
export function streamSettingsOf(config: ServerlessConfig, functionName: string): StreamMappingSettings {
  if (!Object.hasOwn(config.functions, functionName)) {
    const known = Object.keys(config.functions).filter((name) => functionStreamSettings(config, name).length > 0);
    throw new CommandUsageError(`serverless.yml has no function "${functionName}"; functions with a stream event: ${known.join(', ')}`);
  }
  const [settings] = functionStreamSettings(config, functionName);
  if (!settings) throw new ConfigurationError(`function "${functionName}" has no DynamoDB stream event in serverless.yml, so it has no dead letters to redrive`);
  return settings;
}

function queueNameOf(config: ServerlessConfig, destination: string | undefined): string | undefined {
  if (!destination) return undefined;
  if (destination.startsWith('arn:')) return destination.split(':').pop();
  const name = config.resources[destination]?.Properties?.QueueName;
  return typeof name === 'string' ? name : undefined;
}

/**
 * Sets the function's environment from serverless.yml (provider and function `environment`, resolved
 * for the stage) on this process, then imports its module and returns its `handler`.
 * On DynamoDB Local (`endpoint` given) the function talks to that endpoint with dummy credentials; on
 * AWS it uses the standard credential chain of this process.
 */
export async function loadFunction(options: { projectDir: string; config: ServerlessConfig; functionName: string; endpoint?: string }): Promise<LoadedFunction> {
  const { config, functionName } = options;
  const settings = streamSettingsOf(config, functionName);
  const fn = config.functions[functionName]!;
  const environment: Record<string, string> = { AWS_REGION: config.region, ...declaredEnvironment(config.provider, fn) };
  if (options.endpoint) {
    Object.assign(environment, { DYNAMODB_ENDPOINT: options.endpoint, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
  }
  Object.assign(process.env, environment);

  const handlerPath = fn.handler;
  if (typeof handlerPath !== 'string' || !handlerPath.includes('.')) throw new ConfigurationError(`function "${functionName}" has no handler "file.export" in serverless.yml`);
  const dot = handlerPath.lastIndexOf('.');
  const exportName = handlerPath.slice(dot + 1);
  const module = await importHandlerModule(options.projectDir, handlerPath.slice(0, dot), functionName);
  const handler = module[exportName];
  if (typeof handler !== 'function') throw new ConfigurationError(`${handlerPath.slice(0, dot)} does not export a function "${exportName}"`);
  return { name: functionName, handler: handler as RedriveHandler, settings, deadLetterQueueName: queueNameOf(config, settings.onFailureDestination) };
}
