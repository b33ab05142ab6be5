import { describe, expect, it } from 'vitest';
import { toChange } from '../../lib/runtime/change/to-change.js';
import type { StreamViewType } from '../../lib/runtime/change/types.js';
import { MalformedRecordError } from '../../lib/runtime/errors.js';
import { insertRecord, modifyRecord, removeRecord, streamArn, streamRecord } from '../factories/stream-record.js';
import { inheritsNothing } from '../support/inherits-nothing.js';

const book = { isbn: '978-0', title: 'Dune', author: 'Frank Herbert', year: 1965 };
const renamed = { ...book, title: 'Dune Messiah' };

describe('toChange', () => {
  it.each([
    ['INSERT', insertRecord('books-local', ['isbn'], book), book, undefined],
    ['MODIFY', modifyRecord('books-local', ['isbn'], book, renamed), renamed, book],
    ['REMOVE', removeRecord('books-local', ['isbn'], book), undefined, book],
  ] as const)('narrows a %s record with its images unmarshalled', (eventName, record, newImage, oldImage) => {
    // Act
    const change = toChange(record, 3);

    // Assess
    expect(change.eventName).toBe(eventName);
    expect(change.keys).toEqual({ isbn: '978-0' });
    expect(change.newImage).toEqual(newImage);
    expect(change.oldImage).toEqual(oldImage);
    expect(change.sequenceNumber).toBe(record.dynamodb!.SequenceNumber);
    expect(change.tableName).toBe('books-local');
    expect(change.eventSourceARN).toBe(record.eventSourceARN);
    expect(change.approximateCreationDateTime).toBe(record.dynamodb!.ApproximateCreationDateTime);
    expect(change.sizeBytes).toBe(record.dynamodb!.SizeBytes);
    expect(change.streamViewType).toBe('NEW_AND_OLD_IMAGES');
    expect(change.index).toBe(3);
    expect(change.isTtlExpiry).toBe(false);
  });

  it.each<[StreamViewType, boolean, boolean]>([
    ['KEYS_ONLY', false, false],
    ['NEW_IMAGE', true, false],
    ['OLD_IMAGE', false, true],
    ['NEW_AND_OLD_IMAGES', true, true],
  ])('with stream view type %s, an image the view does not carry is undefined, never {}', (viewType, hasNew, hasOld) => {
    // Prepare
    const record = modifyRecord('books-local', ['isbn'], book, renamed, { streamViewType: viewType });

    // Act
    const change = toChange(record, 0);

    // Assess
    expect(change.newImage).toEqual(hasNew ? renamed : undefined);
    expect(change.oldImage).toEqual(hasOld ? book : undefined);
    expect(change.streamViewType).toBe(viewType);
  });

  it.each([
    ['a TTL expiry', { type: 'Service', principalId: 'dynamodb.amazonaws.com' }, true],
    ['another service', { type: 'Service', principalId: 'other.amazonaws.com' }, false],
    ['no identity', undefined, false],
  ])('marks %s correctly', (_label, identity, expected) => {
    // Prepare
    const record = removeRecord('orders-local', ['customerId', 'orderDate'], { customerId: 'c1', orderDate: '2026-01-01' });
    if (identity) record.userIdentity = identity;
    else delete record.userIdentity;

    // Act / Assess
    expect(toChange(record, 0).isTtlExpiry).toBe(expected);
  });

  it('builds each image once, on first read, and shows it when serialised', () => {
    // Prepare
    const change = toChange(modifyRecord('books-local', ['isbn'], book, renamed), 0);

    // Act
    const first = change.newImage;
    const second = change.newImage;
    const json = JSON.parse(JSON.stringify(change)) as Record<string, unknown>;

    // Assess
    expect(first).toBe(second);
    expect(json.newImage).toEqual(renamed);
    expect(json.oldImage).toEqual(book);
    expect(json.sequenceNumber).toBe(change.sequenceNumber);
  });

  it('rejects a malformed image when the change is made, before any action reads it', () => {
    // Prepare
    const record = modifyRecord('books-local', ['isbn'], book, renamed);
    record.dynamodb!.OldImage = { ...record.dynamodb!.OldImage, year: { N: 'not a number' } };

    // Act / Assess
    expect(() => toChange(record, 2)).toThrow('Record 2: dynamodb.OldImage.year has an N value that is not a DynamoDB number');
  });

  it('parses table names with dots, dashes and underscores from the stream ARN', () => {
    // Prepare
    const record = insertRecord('my_table.v2-prod', ['isbn'], book);

    // Act / Assess
    expect(toChange(record, 0).tableName).toBe('my_table.v2-prod');
  });

  const valid = () => insertRecord('books-local', ['isbn'], book);
  it.each<[string, (r: ReturnType<typeof valid>) => unknown, string]>([
    ['not an object', () => 'text', 'Record 4: record is not an object'],
    ['no dynamodb', (r) => ({ ...r, dynamodb: undefined }), 'Record 4: dynamodb is missing'],
    ['an unknown eventName', (r) => ({ ...r, eventName: 'UPSERT' }), 'Record 4: eventName is "UPSERT"'],
    ['no eventName', (r) => ({ ...r, eventName: undefined }), 'Record 4: eventName is undefined'],
    ['no Keys', (r) => ({ ...r, dynamodb: { ...r.dynamodb, Keys: undefined } }), 'Record 4: dynamodb.Keys is missing'],
    [
      'a table ARN instead of a stream ARN',
      (r) => ({ ...r, eventSourceARN: 'arn:aws:dynamodb:us-east-1:1:table/books' }),
      'Record 4: eventSourceARN is not a DynamoDB stream ARN',
    ],
    [
      'a date string for ApproximateCreationDateTime',
      (r) => ({ ...r, dynamodb: { ...r.dynamodb, ApproximateCreationDateTime: '2026-01-01' } }),
      'Record 4: dynamodb.ApproximateCreationDateTime',
    ],
    [
      'an unknown attribute type',
      (r) => ({ ...r, dynamodb: { ...r.dynamodb, NewImage: { ...r.dynamodb!.NewImage, tags: { L: [{ S: 'a' }, { X: '1' }] } } } }),
      'Record 4: dynamodb.NewImage.tags[1] has an unknown attribute type "X"',
    ],
    [
      'a wrongly typed S value',
      (r) => ({ ...r, dynamodb: { ...r.dynamodb, NewImage: { title: { S: 5 } } } }),
      'Record 4: dynamodb.NewImage.title has an S value of type number',
    ],
    ['an unknown view type', (r) => ({ ...r, dynamodb: { ...r.dynamodb, StreamViewType: 'ALL' } }), 'Record 4: dynamodb.StreamViewType'],
  ])('rejects a record with %s, naming the record index and field', (_label, corrupt, message) => {
    // Prepare
    const record = corrupt(valid());

    // Act / Assess
    expect(() => toChange(record, 4)).toThrow(MalformedRecordError);
    expect(() => toChange(record, 4)).toThrow(message);
  });

  it.each<[string, (r: ReturnType<typeof valid>) => unknown, string]>([
    ['empty Keys', (r) => ({ ...r, dynamodb: { ...r.dynamodb, Keys: {} } }), 'dynamodb.Keys'],
    ['a hexadecimal key', (r) => ({ ...r, dynamodb: { ...r.dynamodb, Keys: { id: { N: '0x10' } } } }), 'dynamodb.Keys.id'],
    ['a key with two type keys', (r) => ({ ...r, dynamodb: { ...r.dynamodb, Keys: { id: { S: '1', N: '1' } } } }), 'dynamodb.Keys.id'],
    [
      'an N with a leading space',
      (r) => ({ ...r, dynamodb: { ...r.dynamodb, NewImage: { ...r.dynamodb!.NewImage, year: { N: ' 1965' } } } }),
      'dynamodb.NewImage.year',
    ],
    [
      'an N of 1e400',
      (r) => ({ ...r, dynamodb: { ...r.dynamodb, NewImage: { ...r.dynamodb!.NewImage, year: { N: '1e400' } } } }),
      'dynamodb.NewImage.year',
    ],
    [
      'NULL false',
      (r) => ({ ...r, dynamodb: { ...r.dynamodb, NewImage: { ...r.dynamodb!.NewImage, gone: { NULL: false } } } }),
      'dynamodb.NewImage.gone',
    ],
    [
      'an empty SS',
      (r) => ({ ...r, dynamodb: { ...r.dynamodb, NewImage: { ...r.dynamodb!.NewImage, tags: { SS: [] } } } }),
      'dynamodb.NewImage.tags',
    ],
    [
      'a duplicate SS member',
      (r) => ({ ...r, dynamodb: { ...r.dynamodb, NewImage: { ...r.dynamodb!.NewImage, tags: { SS: ['a', 'a'] } } } }),
      'dynamodb.NewImage.tags.SS[1]',
    ],
    [
      'invalid base64',
      (r) => ({ ...r, dynamodb: { ...r.dynamodb, NewImage: { ...r.dynamodb!.NewImage, cover: { B: '%%' } } } }),
      'dynamodb.NewImage.cover',
    ],
  ])('rejects a record with %s as malformed, naming the record index and the attribute path (findings 3, 8)', (_label, corrupt, field) => {
    // Prepare
    const record = corrupt(valid());

    // Act
    let caught: unknown;
    try {
      toChange(record, 4);
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(MalformedRecordError);
    expect(caught).toMatchObject({ recordIndex: 4, field });
    expect((caught as Error).message).toMatch(new RegExp(`^Record 4: ${field.replace(/[.[\]]/g, '\\$&')} `));
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('reads a key and attributes named %s as data (finding 7)', (name) => {
    // Prepare: JSON text, as Lambda delivers it, so the name is an own key of every map.
    const record = JSON.parse(
      JSON.stringify(insertRecord('books-local', ['isbn'], book))
        .replace('"Keys":{', `"Keys":{"${name}":{"S":"k"},`)
        .replace('"NewImage":{', `"NewImage":{"${name}":{"M":{"${name}":{"N":"2"}}},`),
    );

    // Act
    const change = toChange(record, 0);

    // Assess
    expect(inheritsNothing(change.keys)).toBe(true);
    expect(change.keys).toEqual({ [name]: 'k', isbn: '978-0' });
    expect(Object.keys(change.newImage!)).toContain(name);
    expect((change.newImage![name] as Record<string, unknown>)[name]).toBe(2);
  });

  it('builds the same stream ARN as Lambda sends', () => {
    expect(streamRecord({ eventName: 'INSERT', table: 't', keys: { id: '1' } }).eventSourceARN).toBe(streamArn('t'));
    expect(streamArn('t')).toMatch(/^arn:aws:dynamodb:us-east-1:123456789012:table\/t\/stream\//);
  });
});
