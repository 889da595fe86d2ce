import { describe, expect, it } from 'vitest';
import type { TableModel } from '../../../src/local/assembly/model.js';
import { keyProblem, tableFileName } from '../../../src/local/data/snapshot.js';

const table: TableModel = {
  logicalId: 'CommentTable',
  modelName: 'Comment',
  tableName: 'Comment-abc-NONE',
  keySchema: [{ attributeName: 'id', keyType: 'HASH' }],
  attributeDefinitions: [
    { attributeName: 'id', attributeType: 'S' },
    { attributeName: 'postId', attributeType: 'S' },
  ],
  globalSecondaryIndexes: [{ indexName: 'byPost', keySchema: [{ attributeName: 'postId', keyType: 'HASH' }], projection: { projectionType: 'ALL' } }],
  localSecondaryIndexes: [],
  arn: 'arn:aws:dynamodb:us-east-1:123456789012:table/Comment-abc-NONE',
};

describe('data snapshot', () => {
  it('names table files after the model, not the physical table', () => {
    expect(tableFileName(table)).toBe('Comment.jsonl');
    expect(tableFileName({ ...table, modelName: undefined, logicalId: 'Raw/Table' })).toBe('Raw_Table.jsonl');
  });

  it('accepts items with the table key and checks index keys only when present', () => {
    expect(keyProblem(table, { id: { S: '1' } })).toBeUndefined();
    expect(keyProblem(table, { id: { S: '1' }, postId: { S: 'p' } })).toBeUndefined();
  });

  it('names the key attribute an item lacks or has with the wrong type', () => {
    expect(keyProblem(table, { title: { S: 'x' } })).toBe('has no key attribute "id" (the table\'s key is id)');
    expect(keyProblem(table, { id: { N: '1' } })).toBe('key attribute "id" must be of type S, got N');
    expect(keyProblem(table, { id: '1' })).toBe('key attribute "id" must be of type S, got "1"');
    expect(keyProblem(table, { id: { S: '1' }, postId: { N: '2' } })).toBe('index key attribute "postId" must be of type S, got N');
  });
});
