import { NumberValueImpl } from '@aws-sdk/util-dynamodb';

/**
 * A number given by its text, for the factories' plain objects: `marshall` writes it as `{ N: text }`
 * unchanged, where a JS number would first round to a double (`1.0000000000000001` would become `1`).
 */
export const exactN = (text: string): NumberValueImpl => NumberValueImpl.from(text);
