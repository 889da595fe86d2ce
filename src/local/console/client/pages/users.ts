import { cognito, getJson } from '../api.js';
import { errorText, h, replace, table, when } from '../dom.js';
import type { PageContext } from '../main.js';

interface CognitoUser {
  Username: string;
  UserStatus: string;
  Enabled: boolean;
  UserCreateDate?: number;
  Attributes?: { Name: string; Value: string }[];
  UserAttributes?: { Name: string; Value: string }[];
  UserMFASettingList?: string[];
  PreferredMfaSetting?: string;
  MFAOptions?: { DeliveryMedium: string; AttributeName: string }[];
}

const attr = (u: CognitoUser, name: string) => (u.Attributes ?? u.UserAttributes ?? []).find((a) => a.Name === name)?.Value;

/**
 * Each user pool's users through Cognito's admin API (ListUsers, AdminCreateUser, AdminGetUser…),
 * signed as the developer: the same calls and checks as `aws cognito-idp`.
 */
export async function renderUsers(ctx: PageContext): Promise<void> {
  const pools = ctx.overview.userPools;
  if (pools.length === 0) {
    replace(ctx.main, h('h1', {}, 'Users'), h('p', { class: 'muted' }, 'This backend has no user pool.'));
    return;
  }
  const poolSelect = h('select', { name: 'pool' }, pools.map((p) => h('option', { value: p.id }, `${p.name} (${p.id})`)));
  const search = h('input', { name: 'search', placeholder: 'username or email starts with…', size: 28 });
  const message = h('p', { class: 'muted', id: 'users-message' });
  const list = h('div', { id: 'users-list' });
  const detail = h('div', { id: 'user-detail' });
  const pool = () => pools.find((p) => p.id === poolSelect.value)!;

  const say = (text: string, isError = false) => {
    message.textContent = text;
    message.className = isError ? 'error' : 'muted';
  };
  const act = async (what: string, fn: () => Promise<unknown>, after?: () => Promise<void>) => {
    try {
      await fn();
      say(`${what}: done`);
      await after?.();
    } catch (err) {
      say(`${what}: ${errorText(err)}`, true);
    }
  };

  const load = async () => {
    const text = search.value.trim();
    const filter = text ? (text.includes('@') ? `email ^= "${text.replace(/"/g, '')}"` : `username ^= "${text.replace(/"/g, '')}"`) : undefined;
    const users: CognitoUser[] = [];
    let token: string | undefined;
    do {
      const page = await cognito<{ Users: CognitoUser[]; PaginationToken?: string }>('ListUsers', {
        UserPoolId: pool().id,
        Limit: 60,
        ...(filter ? { Filter: filter } : {}),
        ...(token ? { PaginationToken: token } : {}),
      });
      users.push(...page.Users);
      token = page.PaginationToken;
    } while (token && users.length < 600);
    replace(
      list,
      users.length === 0
        ? h('p', { class: 'muted' }, 'No users.')
        : table(
            ['Username', 'Email', 'Phone', 'Status', 'Enabled', 'Created', ''],
            users.map((u) => [
              h('code', {}, u.Username),
              attr(u, 'email') ?? '',
              attr(u, 'phone_number') ?? '',
              u.UserStatus,
              u.Enabled ? 'yes' : 'no',
              when(u.UserCreateDate ? u.UserCreateDate * 1000 : undefined),
              h('button', { onclick: () => void showUser(u.Username) }, 'Open'),
            ]),
            (i) => ({ 'data-username': users[i].Username }),
          ),
    );
  };

  const showUser = async (username: string) => {
    const p = pool();
    let user: CognitoUser;
    let groups: string[];
    let claims: { client: string; id: Record<string, unknown>; access: Record<string, unknown> } | string;
    try {
      user = await cognito<CognitoUser>('AdminGetUser', { UserPoolId: p.id, Username: username });
      groups = (await cognito<{ Groups: { GroupName: string }[] }>('AdminListGroupsForUser', { UserPoolId: p.id, Username: username })).Groups.map((g) => g.GroupName);
      claims = await getJson<Exclude<typeof claims, string>>(`/_local/auth/claims?pool=${encodeURIComponent(p.id)}&username=${encodeURIComponent(username)}`).catch((err: unknown) => errorText(err));
    } catch (err) {
      replace(detail, h('p', { class: 'error' }, errorText(err)));
      return;
    }
    const refresh = async () => {
      await load();
      await showUser(username);
    };
    const id = { UserPoolId: p.id, Username: username };
    const password = h('input', { name: 'new-password', type: 'text', placeholder: 'new permanent password', size: 24 });
    const groupSelect = h('select', { name: 'group' }, p.groups.filter((g) => !groups.includes(g)).map((g) => h('option', { value: g }, g)));
    const tokenInput = h('textarea', { name: 'token', rows: 3, cols: 80, placeholder: 'paste an ID or access token to decode it' });
    const decoded = h('pre', { id: 'decoded-token' });
    replace(
      detail,
      h(
        'div',
        { class: 'card', 'data-user': username },
        h('h2', {}, 'User ', h('code', {}, username)),
        h('p', {}, `Status ${user.UserStatus} · ${user.Enabled ? 'enabled' : 'disabled'} · MFA: `, h('span', { id: 'mfa-state' }, mfaState(user))),
        h(
          'div',
          { class: 'bar' },
          user.UserStatus === 'UNCONFIRMED' ? h('button', { onclick: () => void act('Confirm', () => cognito('AdminConfirmSignUp', id), refresh) }, 'Confirm') : null,
          h('button', { onclick: () => void act('Reset password (code sent to the Outbox)', () => cognito('AdminResetUserPassword', id), refresh) }, 'Reset password'),
          user.Enabled
            ? h('button', { onclick: () => void act('Disable', () => cognito('AdminDisableUser', id), refresh) }, 'Disable')
            : h('button', { onclick: () => void act('Enable', () => cognito('AdminEnableUser', id), refresh) }, 'Enable'),
          h(
            'button',
            {
              class: 'danger',
              onclick: () => {
                if (!confirm(`Delete ${username}?`)) return;
                void act('Delete', () => cognito('AdminDeleteUser', id), async () => {
                  replace(detail);
                  await load();
                });
              },
            },
            'Delete',
          ),
        ),
        h('form', { onsubmit: (e: Event) => (e.preventDefault(), void act('Set password', () => cognito('AdminSetUserPassword', { ...id, Password: password.value, Permanent: true }), refresh)) }, password, h('button', {}, 'Set password')),
        h('h2', {}, 'Groups'),
        h(
          'div',
          { class: 'bar', id: 'user-groups' },
          groups.length === 0 ? h('span', { class: 'muted' }, 'none') : null,
          groups.map((g) =>
            h('span', { 'data-group': g }, h('code', {}, g), ' ', h('button', { title: `remove from ${g}`, onclick: () => void act(`Remove from ${g}`, () => cognito('AdminRemoveUserFromGroup', { ...id, GroupName: g }), refresh) }, '×')),
          ),
          p.groups.length > groups.length
            ? [groupSelect, h('button', { onclick: () => void act(`Add to ${groupSelect.value}`, () => cognito('AdminAddUserToGroup', { ...id, GroupName: groupSelect.value }), refresh) }, 'Add to group')]
            : null,
        ),
        h('h2', {}, 'Attributes'),
        table(['Name', 'Value'], (user.UserAttributes ?? []).map((a) => [a.Name, a.Value])),
        h('h2', {}, 'Token claims'),
        typeof claims === 'string'
          ? h('p', { class: 'error' }, claims)
          : [
              h('p', { class: 'muted' }, `What the pool would put in this user's tokens at a sign-in now through client ${claims.client} (before any pre-token-generation trigger).`),
              h('div', { class: 'grid' }, h('div', {}, h('strong', {}, 'ID token'), h('pre', { id: 'claims' }, JSON.stringify(claims.id, null, 2))), h('div', {}, h('strong', {}, 'Access token'), h('pre', { id: 'access-claims' }, JSON.stringify(claims.access, null, 2)))),
            ],
        h('form', { onsubmit: (e: Event) => (e.preventDefault(), (decoded.textContent = decodeJwt(tokenInput.value))) }, tokenInput, h('button', {}, 'Decode')),
        decoded,
      ),
    );
  };

  const newUsername = h('input', { name: 'username', placeholder: pool().usernameAttributes.length ? pool().usernameAttributes.join(' or ') : 'username', required: true });
  // One input per attribute the pool requires, plus email and phone (where invitations go).
  const attributeBox = h('span', { class: 'bar' });
  let attributeInputs: HTMLInputElement[] = [];
  const buildAttributeInputs = () => {
    const names = [...new Set(['email', 'phone_number', ...pool().requiredAttributes])];
    attributeInputs = names.map((n) =>
      h('input', { name: n, placeholder: `${n}${pool().requiredAttributes.includes(n) ? '*' : ''}${n === 'phone_number' ? ' (+15555550100)' : ''}`, type: n === 'email' ? 'email' : 'text' }),
    );
    replace(attributeBox, attributeInputs);
  };
  buildAttributeInputs();
  const value = (name: string) => attributeInputs.find((i) => i.name === name)?.value ?? '';
  const newTemp = h('input', { name: 'temporary-password', placeholder: 'temporary password (generated if empty)', size: 30 });
  const invite = h('input', { type: 'checkbox', name: 'invite', checked: true });
  const create = async () => {
    const attributes = attributeInputs.filter((i) => i.value).map((i) => ({ Name: i.name, Value: i.value }));
    await cognito('AdminCreateUser', {
      UserPoolId: pool().id,
      Username: newUsername.value,
      UserAttributes: attributes,
      ...(newTemp.value ? { TemporaryPassword: newTemp.value } : {}),
      ...(invite.checked ? { DesiredDeliveryMediums: value('phone_number') && !value('email') ? ['SMS'] : ['EMAIL'] } : { MessageAction: 'SUPPRESS' }),
    });
  };

  poolSelect.addEventListener('change', () => {
    replace(detail);
    buildAttributeInputs();
    void load();
  });
  replace(
    ctx.main,
    h('h1', {}, 'Users'),
    h('div', { class: 'bar' }, poolSelect, h('form', { onsubmit: (e: Event) => (e.preventDefault(), void load()) }, search, h('button', {}, 'Search'))),
    h(
      'form',
      { class: 'card', id: 'create-user', onsubmit: (e: Event) => (e.preventDefault(), void act(`Create ${newUsername.value}`, create, load)) },
      h('strong', {}, 'New user'),
      newUsername,
      attributeBox,
      newTemp,
      h('label', {}, invite, ' send the invitation (to the Outbox)'),
      h('button', { class: 'primary' }, 'Create'),
    ),
    message,
    list,
    detail,
  );
  await load();
}

function mfaState(u: CognitoUser): string {
  const list = u.UserMFASettingList ?? [];
  if (list.length === 0) return 'none';
  return `${list.join(', ')}${u.PreferredMfaSetting ? ` (preferred ${u.PreferredMfaSetting})` : ''}`;
}

function decodeJwt(token: string): string {
  const parts = token.trim().split('.');
  if (parts.length !== 3) return 'not a JWT (three dot-separated parts)';
  try {
    const dec = (s: string) => JSON.parse(atob(s.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(s.length / 4) * 4, '='))) as unknown;
    return JSON.stringify({ header: dec(parts[0]), payload: dec(parts[1]) }, null, 2);
  } catch (err) {
    return `cannot decode: ${errorText(err)}`;
  }
}
