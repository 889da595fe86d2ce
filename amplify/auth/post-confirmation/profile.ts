import type { PostConfirmationTriggerEvent } from 'aws-lambda';

export interface ProfileInput {
  id: string;
  displayName: string;
  givenName: string | null;
  familyName: string | null;
  owner: string;
}

/** The one data-client call this needs (`client.models.UserProfile`). */
export interface ProfileWriter {
  create(input: ProfileInput): Promise<{ errors?: readonly { message: string; errorType?: string | null }[] }>;
}

/**
 * The profile a confirmed sign-up gets: id = the user's `sub`, owner in the data API's
 * `<sub>::<username>` form (what it derives from the user's tokens), and a display name from the
 * given and family names, else the email's local part. Other triggers (forgot password) get none.
 */
export function profileFor(event: PostConfirmationTriggerEvent): ProfileInput | null {
  if (event.triggerSource !== 'PostConfirmation_ConfirmSignUp') return null;
  const attrs = event.request.userAttributes;
  const displayName =
    [attrs.given_name, attrs.family_name].filter(Boolean).join(' ') || (attrs.email ?? '').split('@')[0] || 'New user';
  return {
    id: attrs.sub,
    displayName,
    givenName: attrs.given_name ?? null,
    familyName: attrs.family_name ?? null,
    owner: `${attrs.sub}::${event.userName}`,
  };
}

/**
 * Creates the profile. The id is the user's `sub`, so a retried trigger finds the profile already
 * there (a conditional-check failure) instead of creating a second one; any other error fails the
 * trigger, and with it the confirmation, so the user can retry.
 */
export async function createProfile(writer: ProfileWriter, event: PostConfirmationTriggerEvent): Promise<ProfileInput | null> {
  const profile = profileFor(event);
  if (!profile) return null;
  const { errors } = await writer.create(profile);
  const real = (errors ?? []).filter((e) => !/ConditionalCheckFailed/.test(e.errorType ?? e.message));
  if (real.length > 0) {
    throw new Error(`creating the profile of ${profile.id} failed: ${real.map((e) => e.message).join('; ')}`);
  }
  return profile;
}
