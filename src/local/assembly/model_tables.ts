/** The DynamoDB tables of the backend (the data transformer's model tables and custom ones). */

export interface KeySchemaElement {
  attributeName: string;
  keyType: 'HASH' | 'RANGE';
}

export interface TableIndexModel {
  indexName: string;
  keySchema: KeySchemaElement[];
  projection: { projectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; nonKeyAttributes?: string[] };
}

export interface TableModel {
  logicalId: string;
  /** The model it backs when created by the data transformer (`Post`), else undefined. */
  modelName?: string;
  /** Local physical name, e.g. `Post-<apiId>-NONE`. */
  tableName: string;
  keySchema: KeySchemaElement[];
  attributeDefinitions: { attributeName: string; attributeType: 'S' | 'N' | 'B' }[];
  globalSecondaryIndexes: TableIndexModel[];
  localSecondaryIndexes: TableIndexModel[];
  /** `NEW_AND_OLD_IMAGES` etc. when streams are enabled. */
  streamViewType?: 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';
  /** Local stream ARN (what event source mappings reference). */
  streamArn?: string;
  ttlAttribute?: string;
  arn: string;
  /** `PAY_PER_REQUEST` or `PROVISIONED` when the template says. */
  billingMode?: string;
}
