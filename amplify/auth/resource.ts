import { defineAuth } from '@aws-amplify/backend';
import { postConfirmation } from './post-confirmation/resource.js';

export const auth = defineAuth({
  loginWith: {
    email: {
      verificationEmailStyle: 'CODE',
      verificationEmailSubject: 'Your verification code',
      verificationEmailBody: (createCode) => `Your verification code is ${createCode()}`,
    },
  },
  userAttributes: {
    email: { required: true, mutable: true },
    phoneNumber: { required: true, mutable: true },
    givenName: { required: false, mutable: true },
    familyName: { required: false, mutable: true },
  },
  multifactor: {
    mode: 'OPTIONAL',
    totp: true,
    sms: { smsMessage: (createCode) => `Your sign-in code is ${createCode()}` },
  },
  accountRecovery: 'EMAIL_ONLY',
  triggers: { postConfirmation },
});
