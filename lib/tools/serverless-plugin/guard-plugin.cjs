'use strict';
// In-repository Serverless plugin: refuses, before anything is packaged, deployed or invoked, a stage whose
// derived names exceed AWS's limits. Otherwise a long stage fails halfway through a CloudFormation deploy
// (Lambda refuses a function name over 64 characters) or, worse, packages a template that can never deploy.
//
// Hooks: before:package:initialize, before:deploy:deploy, before:invoke:local:invoke.

const { findNameLimitViolations } = require('./name-limits.cjs');

/** Every derived name of the resolved service that has a limit. */
function derivedNames(serverless, stage) {
  const service = serverless.service;
  const serviceName = typeof service.service === 'string' ? service.service : service.service?.name;
  const names = [{ kind: 'stack', name: `${serviceName}-${stage}`, source: 'service-stage' }];
  for (const functionName of service.getAllFunctions()) {
    const fn = service.getFunction(functionName);
    names.push({ kind: 'function', name: fn.name || `${serviceName}-${stage}-${functionName}`, source: `functions.${functionName}` });
  }
  const resources = service.resources?.Resources || {};
  const property = {
    'AWS::IAM::Role': ['role', 'RoleName'],
    'AWS::SQS::Queue': ['queue', 'QueueName'],
    'AWS::DynamoDB::Table': ['table', 'TableName'],
  };
  for (const [logicalId, resource] of Object.entries(resources)) {
    const known = resource && property[resource.Type];
    // A name left to CloudFormation (no RoleName/QueueName) is generated within the limit.
    if (known && resource.Properties && typeof resource.Properties[known[1]] === 'string') {
      names.push({ kind: known[0], name: resource.Properties[known[1]], source: `resources.${logicalId}.Properties.${known[1]}` });
    }
  }
  return names;
}

class NameLimitGuardPlugin {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options || {};
    const guard = () => this.check();
    this.hooks = {
      'before:package:initialize': guard,
      'before:deploy:deploy': guard,
      'before:invoke:local:invoke': guard,
    };
  }

  check() {
    const provider = this.serverless.getProvider('aws');
    const stage = provider ? provider.getStage() : this.options.stage;
    const violations = findNameLimitViolations(derivedNames(this.serverless, stage), stage);
    if (violations.length === 0) return;
    const message = `Stage "${stage}" makes names too long for AWS:\n${violations.map((v) => `  - ${v.message}`).join('\n')}`;
    const ServerlessError = this.serverless.classes?.Error;
    throw ServerlessError ? new ServerlessError(message, 'NAME_TOO_LONG') : new Error(message);
  }
}

module.exports = NameLimitGuardPlugin;
