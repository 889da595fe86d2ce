import { describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { iamStatements, logicalIdOf, resourcesOfType, type SynthesizedBackend } from '../synth.js';

export function describeAuth(get: () => SynthesizedBackend): void {
  describe('auth (defineAuth)', () => {
    const userPool = () => get().templateOf(get().backend.auth.resources.userPool);
    const poolProps = () => resourcesOfType(get().stackNamed('auth').json, 'AWS::Cognito::UserPool')[0][1].Properties;
    const clientProps = () => resourcesOfType(get().stackNamed('auth').json, 'AWS::Cognito::UserPoolClient')[0][1].Properties;

    it('users sign in with their email address (Cognito then makes each username the user\'s sub)', () => {
      userPool().hasResourceProperties('AWS::Cognito::UserPool', {
        UsernameAttributes: ['email'],
        UsernameConfiguration: { CaseSensitive: false },
      });
    });

    it('sign-up requires email and phone_number', () => {
      userPool().hasResourceProperties('AWS::Cognito::UserPool', {
        Schema: Match.arrayWith([
          { Name: 'email', Required: true, Mutable: true },
          { Name: 'phone_number', Required: true, Mutable: true },
        ]),
      });
    });

    it('given_name and family_name are optional attributes the app client can read and write', () => {
      userPool().hasResourceProperties('AWS::Cognito::UserPool', {
        Schema: Match.arrayWith([
          { Name: 'given_name', Required: false, Mutable: true },
          { Name: 'family_name', Required: false, Mutable: true },
        ]),
      });
      expect(clientProps().ReadAttributes).toEqual(expect.arrayContaining(['given_name', 'family_name', 'email', 'phone_number']));
      expect(clientProps().WriteAttributes).toEqual(expect.arrayContaining(['given_name', 'family_name', 'email', 'phone_number']));
    });

    it('the email address is verified with a code at sign-up', () => {
      userPool().hasResourceProperties('AWS::Cognito::UserPool', {
        AutoVerifiedAttributes: ['email'],
        VerificationMessageTemplate: Match.objectLike({ DefaultEmailOption: 'CONFIRM_WITH_CODE' }),
      });
    });

    it('the phone number can be verified by SMS later (Cognito has an SNS role)', () => {
      const props = poolProps();
      expect(props.SmsVerificationMessage).toContain('{####}');
      const roleId = props.SmsConfiguration.SnsCallerArn['Fn::GetAtt'][0];
      const publish = iamStatements(get().stackNamed('auth').json).filter((s) => s.logicalId === roleId);
      expect(publish.map((s) => s.statement.Action)).toEqual(['sns:Publish']);
    });

    it('accounts are recovered through the verified email only', () => {
      userPool().hasResourceProperties('AWS::Cognito::UserPool', {
        AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
      });
    });

    it('passwords need 8+ characters with upper and lower case, a digit and a symbol', () => {
      userPool().hasResourceProperties('AWS::Cognito::UserPool', {
        Policies: {
          PasswordPolicy: {
            MinimumLength: 8,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
            TemporaryPasswordValidityDays: 7,
          },
        },
      });
    });

    it('MFA is optional, by TOTP app or SMS', () => {
      const props = poolProps();
      expect(props.MfaConfiguration).toBe('OPTIONAL');
      expect([...props.EnabledMfas].sort()).toEqual(['SMS_MFA', 'SOFTWARE_TOKEN_MFA']);
    });

    it('refresh tokens last 30 days', () => {
      expect(clientProps()).toMatchObject({ RefreshTokenValidity: 30, TokenValidityUnits: { RefreshToken: 'days' } });
    });

    it('access and ID tokens last 60 minutes', () => {
      expect(clientProps()).toMatchObject({
        AccessTokenValidity: 60,
        IdTokenValidity: 60,
        TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes' },
      });
    });

    it('a confirmed sign-up runs the post-confirmation function', () => {
      const auth = get().stackNamed('auth');
      const fn = get().backend.postConfirmation.resources.cfnResources.cfnFunction;
      const fnId = logicalIdOf(fn);
      expect(poolProps().LambdaConfig).toEqual({ PostConfirmation: { 'Fn::GetAtt': [fnId, 'Arn'] } });
      get().templateOf(auth).hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
        Principal: 'cognito-idp.amazonaws.com',
      });
    });
  });
}
