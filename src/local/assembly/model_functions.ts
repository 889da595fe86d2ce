/** Lambda functions and their event source mappings. */

export interface FunctionModel {
  logicalId: string;
  /** Local physical name (deterministic, like the deployed one). */
  functionName: string;
  /** Gen 2 name from `defineFunction` when known (`post-processor`). */
  friendlyName?: string;
  /** Handler string, e.g. `index.handler`. */
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memoryMB: number;
  /** Environment with intrinsics resolved to local values. */
  environment: Record<string, string>;
  /** Absolute path of the bundled code folder (`asset.<hash>/`), holding `index.mjs`. */
  codeDir: string;
  roleArn?: string;
  arn: string;
  /** True for CDK/Amplify-internal functions (only in `BackendModel.internalFunctions`). */
  internal?: boolean;
  /**
   * Variables Gen 2 declares through AMPLIFY_SSM_ENV_CONFIG, resolved from the assembly's
   * AWS::SSM::Parameter resources: name → SSM path and the local value (already in `environment`).
   * `environment.AMPLIFY_SSM_ENV_CONFIG` keeps only the entries that could not be resolved (`{}` when all were).
   */
  ssmEnvironment?: Record<string, { path: string; value: string }>;
  /**
   * `secret()` values: SSM paths with no parameter in the assembly (set with `ampx sandbox secret`).
   * Their variables keep Gen 2's placeholder `<value will be resolved during runtime>` in `environment`.
   * `name` is the secret's (`secret('API_KEY')`: the path's last segment, what `local:secret set` takes),
   * `variable` the environment variable it fills.
   */
  secrets?: { name: string; variable: string; path: string; sharedPath?: string }[];
  architectures?: string[];
}

export interface EventSourceMappingModel {
  logicalId: string;
  functionLogicalId: string;
  /** For DynamoDB streams: the local table name behind the stream. */
  tableName?: string;
  eventSourceArn: string;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  startingPosition?: 'LATEST' | 'TRIM_HORIZON';
  /** Lambda event filter patterns (JSON strings, as in FilterCriteria.Filters[].Pattern). */
  filterPatterns: string[];
  /**
   * MaximumRetryAttempts; -1 (Lambda's default for stream sources) means retry until the record
   * expires from the stream (24 h for DynamoDB streams), i.e. a failing batch blocks its shard.
   */
  maximumRetryAttempts: number;
  bisectBatchOnFunctionError: boolean;
  reportBatchItemFailures: boolean;
  enabled: boolean;
  /** MaximumRecordAgeInSeconds; -1 (default) = no limit besides the stream's retention. */
  maximumRecordAgeSeconds?: number;
  parallelizationFactor?: number;
  tumblingWindowSeconds?: number;
  /** DestinationConfig.OnFailure.Destination (e.g. an SQS queue ARN). */
  onFailureDestinationArn?: string;
  /** For Kinesis / SQS sources: the local stream or queue name. */
  streamName?: string;
  queueName?: string;
  /** ScalingConfig.MaximumConcurrency (SQS sources): batches invoked at once. */
  maximumConcurrency?: number;
}
