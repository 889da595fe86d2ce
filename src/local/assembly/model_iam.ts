/** IAM roles and their policies, for the SigV4-authorized services: storage, IAM GraphQL, kinesis, pinpoint. */

export interface PolicyStatementModel {
  effect: 'Allow' | 'Deny';
  actions: string[];
  /** Resolved ARNs, possibly with `${cognito-identity.amazonaws.com:sub}` policy variables kept verbatim. */
  resources: string[];
  conditions?: Record<string, Record<string, string | string[]>>;
  /** NotAction / NotResource when the statement uses them (then `actions`/`resources` may be empty). */
  notActions?: string[];
  notResources?: string[];
  /** Trust-policy statements only: Principal (`Service`, `Federated`, `AWS`) → values. */
  principals?: Record<string, string[]>;
}

export interface RoleModel {
  logicalId: string;
  arn: string;
  name: string;
  /** Every statement of every inline/attached policy that names this role. */
  statements: PolicyStatementModel[];
  /** AssumeRolePolicyDocument statements (who may assume the role). */
  trustStatements?: PolicyStatementModel[];
  /** MaxSessionDuration (seconds; AWS's default is 3600): the longest STS session of this role. */
  maxSessionDurationSeconds?: number;
  /** AWS-managed (or otherwise external) policy ARNs attached by ARN; their statements are not known locally. */
  managedPolicyArns?: string[];
}

export interface IamModel {
  roles: RoleModel[];
}
