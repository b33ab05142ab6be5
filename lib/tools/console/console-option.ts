/** The console's port when none is given: clear of DynamoDB Local (8000) and serverless-offline (3000, 3002). */
export const DEFAULT_CONSOLE_PORT = 8765;

/** How the stack runs its console: on a port (0 for a free one), or not at all. */
export type ConsoleOption = { port: number } | false;
