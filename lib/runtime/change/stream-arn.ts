const STREAM_ARN = /^arn:aws[a-zA-Z-]*:dynamodb:[^:]*:[^:]*:table\/([^/]+)\/stream\/.+$/;

/**
 * The table name in a DynamoDB stream ARN (`arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>`),
 * or undefined when the text is not a stream ARN (a table ARN, for instance, is not).
 */
export function tableNameFromStreamArn(arn: string): string | undefined {
  return STREAM_ARN.exec(arn)?.[1];
}
