import { h, replace, table } from '../dom.js';
import type { PageContext } from '../main.js';

/** What runs, where, and how to trust the CA; the header's light shows live health. */
export function renderOverview({ main, overview: o }: PageContext): void {
  const ca = o.caCertPath;
  replace(
    main,
    h('h1', {}, 'Overview'),
    h(
      'div',
      { class: 'card' },
      h('p', {}, 'Endpoint ', h('code', {}, o.endpoint), ' · region ', h('code', {}, o.region), ' · account ', h('code', {}, o.accountId)),
      h('p', {}, 'Backend ', h('code', {}, o.stackName)),
      h('p', {}, 'Outputs file ', o.outputsPath ? h('code', { id: 'outputs-path' }, o.outputsPath) : h('span', { class: 'muted' }, 'not written')),
      h('p', {}, 'Developer keys ', h('code', {}, o.developerAccessKeyId), h('span', { class: 'muted' }, ' (an administrator of the local account; the secret is in the outputs file)')),
    ),
    h('h2', {}, 'Services'),
    table(
      ['Service', 'Serves'],
      o.services.map((s) => [h('strong', {}, s.name), s.lines.length ? h('pre', {}, s.lines.join('\n')) : h('span', { class: 'muted' }, 'running')]),
      (i) => ({ 'data-service': o.services[i].name }),
    ),
    h('h2', {}, 'Trust the local CA'),
    h(
      'div',
      { class: 'card' },
      h('p', {}, 'Certificate: ', h('code', {}, ca)),
      h(
        'pre',
        {},
        [
          `# Node (SDKs, tests):   NODE_EXTRA_CA_CERTS=${ca}`,
          `# AWS CLI:              AWS_CA_BUNDLE=${ca}`,
          `# macOS:                sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${ca}`,
          `# Linux:                sudo cp ${ca} /usr/local/share/ca-certificates/amplify-local.crt && sudo update-ca-certificates`,
          `# Chrome/Firefox (NSS): certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n amplify-local -i ${ca}`,
          `# iOS simulator:        xcrun simctl keychain booted add-root-cert ${ca}`,
        ].join('\n'),
      ),
    ),
    o.warnings.length ? [h('h2', {}, 'Warnings'), h('pre', {}, o.warnings.join('\n'))] : null,
  );
}
