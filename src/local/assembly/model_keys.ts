/** KMS keys (`AWS::KMS::Key`) and their aliases (`AWS::KMS::Alias`). */

export interface KmsKeyModel {
  logicalId: string;
  /** Local key id (a UUID, like KMS's). */
  keyId: string;
  arn: string;
  description?: string;
  /** `Enabled` (CloudFormation's default: true). */
  enabled: boolean;
  /** `KeySpec` (default `SYMMETRIC_DEFAULT`). */
  keySpec: string;
  /** `KeyUsage` (default `ENCRYPT_DECRYPT`). */
  keyUsage: string;
  /** `EnableKeyRotation`. */
  rotationEnabled: boolean;
  /** Alias names (`alias/…`) that point at this key. */
  aliases: string[];
}

export interface KeysModel {
  keys: KmsKeyModel[];
}
