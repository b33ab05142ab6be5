/**
 * The environment variables the functions read and the tools set, by one spelling. functions/*.ts read
 * process.env with these names; serverless.yml declares the table ones.
 */
export const EnvName = {
  /** DynamoDB's endpoint: DynamoDB Local's (or the local IAM proxy's) on stage local, empty on AWS. */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  changeLogTable: 'CHANGE_LOG_TABLE',
  appliedChangesTable: 'APPLIED_CHANGES_TABLE',
  authorStatsTable: 'AUTHOR_STATS_TABLE',
  customerStatsTable: 'CUSTOMER_STATS_TABLE',
  logLevel: 'LOG_LEVEL',
  awsRegion: 'AWS_REGION',
  awsDefaultRegion: 'AWS_DEFAULT_REGION',
  awsAccessKeyId: 'AWS_ACCESS_KEY_ID',
  awsSecretAccessKey: 'AWS_SECRET_ACCESS_KEY',
} as const;

/** One of the names of {@link EnvName}. */
export type EnvNameValue = (typeof EnvName)[keyof typeof EnvName];
