import { describe, expect, it } from 'vitest';
import type { PostConfirmationTriggerEvent } from 'aws-lambda';
import { createProfile, type ProfileInput } from '../../../amplify/auth/post-confirmation/profile.js';

const SUB = 'c3c3c3c3-0000-4000-8000-000000000003';

function confirmation(attrs: Record<string, string>, triggerSource = 'PostConfirmation_ConfirmSignUp'): PostConfirmationTriggerEvent {
  return {
    version: '1',
    region: 'us-east-1',
    userPoolId: 'us-east-1_Example',
    // With email sign-in, Cognito's username is the sub.
    userName: SUB,
    triggerSource,
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'client' },
    request: { userAttributes: { sub: SUB, email: 'carol@example.com', phone_number: '+15555550100', ...attrs } },
    response: {},
  } as PostConfirmationTriggerEvent;
}

function writer(result: { errors?: { message: string; errorType?: string }[] } = {}) {
  const created: ProfileInput[] = [];
  return { created, create: async (input: ProfileInput) => (created.push(input), result) };
}

describe('post-confirmation trigger: the user\'s UserProfile', () => {
  it('creates the profile with the user\'s sub as id and the owner the data API expects', async () => {
    const w = writer();
    await createProfile(w, confirmation({ given_name: 'Carol', family_name: 'Diaz' }));
    expect(w.created).toEqual([
      { id: SUB, displayName: 'Carol Diaz', givenName: 'Carol', familyName: 'Diaz', owner: `${SUB}::${SUB}` },
    ]);
  });

  it('names the profile after the email when no names were given', async () => {
    const w = writer();
    await createProfile(w, confirmation({}));
    expect(w.created[0]).toMatchObject({ displayName: 'carol', givenName: null, familyName: null });
  });

  it('creates nothing after a password reset confirmation', async () => {
    const w = writer();
    expect(await createProfile(w, confirmation({}, 'PostConfirmation_ConfirmForgotPassword'))).toBeNull();
    expect(w.created).toEqual([]);
  });

  it('accepts that a retried trigger finds the profile already there', async () => {
    const w = writer({ errors: [{ message: 'The conditional request failed', errorType: 'DynamoDB:ConditionalCheckFailedException' }] });
    await expect(createProfile(w, confirmation({}))).resolves.toMatchObject({ id: SUB });
  });

  it('fails the confirmation when the profile cannot be written, so the user can retry', async () => {
    const w = writer({ errors: [{ message: 'Not Authorized to access createUserProfile', errorType: 'Unauthorized' }] });
    await expect(createProfile(w, confirmation({}))).rejects.toThrow(
      `creating the profile of ${SUB} failed: Not Authorized to access createUserProfile`,
    );
  });
});
