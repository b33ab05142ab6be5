import { describe, expect, it } from 'vitest';
import { FilterPatternError } from '../../lib/mapping/errors.js';
import { compileFilterPattern, compileFilterPatterns } from '../../lib/mapping/filter-patterns.js';

// A record as Lambda sees it when it evaluates FilterCriteria.
const record = {
  eventID: 'e1',
  eventName: 'MODIFY',
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: 'us-east-1',
  dynamodb: {
    Keys: { isbn: { S: '978-0' } },
    NewImage: {
      isbn: { S: '978-0' },
      status: { S: 'SHIPPED' },
      title: { S: 'Dune' },
      price: { N: '12.5' },
      note: { S: '' },
      gone: { NULL: true },
      tags: { SS: ['a', 'b'] },
    },
    SequenceNumber: '100',
    SizeBytes: 42,
  },
  eventSourceARN: 'arn:aws:dynamodb:us-east-1:1:table/books/stream/x',
  extra: { count: 7, nothing: null, empty: '' },
};

const newImage = (field: string, matcher: unknown) => ({ dynamodb: { NewImage: { [field]: matcher } } });

describe('filter patterns: each operator', () => {
  it.each([
    ['equals, one value', { eventName: ['MODIFY'] }, true],
    ['equals, other value', { eventName: ['INSERT'] }, false],
    ['equals, a list is OR', { eventName: ['INSERT', 'MODIFY'] }, true],
    ['equals is case-sensitive', { eventName: ['modify'] }, false],
    ['equals-ignore-case', { eventName: [{ 'equals-ignore-case': 'modify' }] }, true],
    ['equals on a nested attribute', newImage('status', { S: ['SHIPPED'] }), true],
    ['equals on a nested attribute, no match', newImage('status', { S: ['PENDING'] }), false],
    ['equals on a number', { extra: { count: [7] } }, true],
    ['equals on a number, other', { extra: { count: [8] } }, false],
    ['a string never equals a number', { extra: { count: ['7'] } }, false],
    ['prefix', newImage('title', { S: [{ prefix: 'Du' }] }), true],
    ['prefix, no match', newImage('title', { S: [{ prefix: 'Ne' }] }), false],
    ['suffix', newImage('title', { S: [{ suffix: 'ne' }] }), true],
    ['anything-but a value', { eventName: [{ 'anything-but': 'REMOVE' }] }, true],
    ['anything-but that value', { eventName: [{ 'anything-but': 'MODIFY' }] }, false],
    ['anything-but a list', { eventName: [{ 'anything-but': ['INSERT', 'REMOVE'] }] }, true],
    ['anything-but a list holding it', { eventName: [{ 'anything-but': ['INSERT', 'MODIFY'] }] }, false],
    ['anything-but a prefix', newImage('title', { S: [{ 'anything-but': { prefix: 'X' } }] }), true],
    ['anything-but the prefix it has', newImage('title', { S: [{ 'anything-but': { prefix: 'Du' } }] }), false],
    ['anything-but needs the field', newImage('missing', { S: [{ 'anything-but': 'x' }] }), false],
    ['numeric =', { extra: { count: [{ numeric: ['=', 7] }] } }, true],
    ['numeric >', { extra: { count: [{ numeric: ['>', 7] }] } }, false],
    ['numeric >=', { extra: { count: [{ numeric: ['>=', 7] }] } }, true],
    ['numeric <', { extra: { count: [{ numeric: ['<', 8] }] } }, true],
    ['numeric <=', { extra: { count: [{ numeric: ['<=', 6] }] } }, false],
    ['numeric range inside', { extra: { count: [{ numeric: ['>', 0, '<=', 7] }] } }, true],
    ['numeric range outside', { extra: { count: [{ numeric: ['>', 7, '<', 100] }] } }, false],
    // DynamoDB numbers are JSON strings in the record, so numeric never matches them (as on AWS).
    ['numeric on a DynamoDB N (a string) does not match', newImage('price', { N: [{ numeric: ['>', 0] }] }), false],
    ['exists true on a leaf', { dynamodb: { Keys: { isbn: { S: [{ exists: true }] } } } }, true],
    ['exists true on a missing leaf', { dynamodb: { Keys: { id: { S: [{ exists: true }] } } } }, false],
    ['exists true on an object is not a leaf', { dynamodb: { Keys: { isbn: [{ exists: true }] } } }, false],
    ['exists false on a missing field', { dynamodb: { OldImage: { isbn: { S: [{ exists: false }] } } } }, true],
    ['exists false on a present field', { dynamodb: { Keys: { isbn: { S: [{ exists: false }] } } } }, false],
    ['null matches a null value', { extra: { nothing: [null] } }, true],
    ['null does not match a missing field', { extra: { absent: [null] } }, false],
    ['null does not match an empty string', { extra: { empty: [null] } }, false],
    ['empty string matches an empty string', { extra: { empty: [''] } }, true],
    ['empty string on a DynamoDB attribute', newImage('note', { S: [''] }), true],
    ['empty string does not match null', { extra: { nothing: [''] } }, false],
    ['an array value matches when any element does', newImage('tags', { SS: ['b'] }), true],
    ['an array value with no matching element', newImage('tags', { SS: ['c'] }), false],
    ['AND across fields, all match', { eventName: ['MODIFY'], ...newImage('status', { S: ['SHIPPED'] }) }, true],
    ['AND across fields, one fails', { eventName: ['INSERT'], ...newImage('status', { S: ['SHIPPED'] }) }, false],
    ['$or inside a pattern', { $or: [{ eventName: ['INSERT'] }, newImage('status', { S: ['SHIPPED'] })] }, true],
    ['top-level field that is missing', { userIdentity: { type: ['Service'] } }, false],
  ])('%s', (_name, pattern, expected) => {
    // Prepare
    const match = compileFilterPattern(pattern);
    // Act
    const matched = match(record);
    // Assess
    expect(matched).toBe(expected);
  });

  it('accepts the pattern as JSON text, as CloudFormation stores it', () => {
    expect(compileFilterPattern(JSON.stringify({ eventName: ['MODIFY'] }))(record)).toBe(true);
  });
});

describe('filter patterns: OR across filters', () => {
  it.each([
    ['no patterns let everything through', [], true],
    ['one of two matches', [{ eventName: ['INSERT'] }, { eventName: ['MODIFY'] }], true],
    ['none of two matches', [{ eventName: ['INSERT'] }, { eventName: ['REMOVE'] }], false],
  ])('%s', (_name, patterns, expected) => {
    expect(compileFilterPatterns(patterns)(record)).toBe(expected);
  });
});

describe('filter patterns: validation', () => {
  it.each([
    ['not an object', ['INSERT'], /must be an object/],
    ['empty', {}, /is empty/],
    ['invalid JSON', '{eventName', /not valid JSON/],
    ['a bare value instead of a list', { eventName: 'INSERT' }, /must be a list of values/],
    ['an empty list', { eventName: [] }, /empty list/],
    ['an unknown operator', { eventName: [{ contains: 'x' }] }, /unknown operator "contains"/],
    ['two operators in one object', { eventName: [{ prefix: 'a', suffix: 'b' }] }, /exactly one operator/],
    ['prefix that is not a string', { eventName: [{ prefix: 1 }] }, /prefix must be a string/],
    ['exists that is not a boolean', { eventName: [{ exists: 'yes' }] }, /exists must be true or false/],
    ['numeric with a bad operator', { n: [{ numeric: ['!=', 1] }] }, /must be one of =, <, <=, >, >=/],
    ['numeric with a string bound', { n: [{ numeric: ['>', '1'] }] }, /must be a number/],
    ['numeric with two lower bounds', { n: [{ numeric: ['>', 1, '>=', 2] }] }, /one lower bound/],
    ['numeric with an odd length', { n: [{ numeric: ['>', 1, '<'] }] }, /\[op, number\]/],
    ['anything-but with an object operand', { n: [{ 'anything-but': { exists: true } }] }, /prefix or suffix/],
    ['anything-but with an empty list', { n: [{ 'anything-but': [] }] }, /empty list/],
    ['too long', { eventName: ['x'.repeat(5000)] }, /Lambda allows 4096/],
  ])('rejects %s with a message naming the problem', (_name, pattern, message) => {
    expect(() => compileFilterPattern(pattern)).toThrow(FilterPatternError);
    expect(() => compileFilterPattern(pattern)).toThrow(message);
  });

  it('names the path of the offending matcher', () => {
    expect(() => compileFilterPatterns([{ eventName: ['INSERT'] }, { dynamodb: { Keys: { isbn: { S: [{ exist: true }] } } } }])).toThrow(
      'pattern 2.dynamodb.Keys.isbn.S[0] uses unknown operator "exist"',
    );
  });
});
