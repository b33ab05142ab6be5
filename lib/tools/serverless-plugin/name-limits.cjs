'use strict';
// AWS's length limits on the names this project derives from the service, the stage and the function names.
// Plain CommonJS: the guard plugin loads it inside Serverless without a TypeScript loader.

/** Limits in characters (all these names are ASCII), with the AWS resource they bound. */
const NAME_LIMITS = Object.freeze({
  function: { max: 64, what: 'Lambda function name' },
  role: { max: 64, what: 'IAM role name' },
  queue: { max: 80, what: 'SQS queue name' },
  table: { max: 255, what: 'DynamoDB table name' },
  stack: { max: 128, what: 'CloudFormation stack name' },
});

/**
 * The derived names that exceed their limit, each with a message naming the limit and the way out.
 * `names` is a list of `{ kind, name, source }`; `kind` is a key of NAME_LIMITS, `source` says where it comes from.
 */
function findNameLimitViolations(names, stage) {
  const violations = [];
  for (const { kind, name, source } of names) {
    const limit = NAME_LIMITS[kind];
    if (!limit) throw new TypeError(`Unknown name kind "${kind}"; expected one of ${Object.keys(NAME_LIMITS).join(', ')}`);
    if (typeof name !== 'string' || name.length <= limit.max) continue;
    violations.push({
      kind,
      name,
      source,
      max: limit.max,
      message:
        `${limit.what} "${name}" (${source}) is ${name.length} characters; AWS allows at most ${limit.max}. ` +
        `Use a shorter stage than "${stage}" (${name.length - limit.max} character(s) fewer) or a shorter name.`,
    });
  }
  return violations;
}

module.exports = { NAME_LIMITS, findNameLimitViolations };
