// A real OpenID provider for the tests (npm oidc-provider, OpenID Certified), standing in
// for IAM für Behörden on loopback. Started by tests/iam.py with one argument: a JSON file
//   {issuer, port, audience, jwks: {keys: [private JWKs]}, clients: [...], accounts: {...}}
// Clients carry regmap's claims as extra metadata (roles, organisation, environment) and the
// algorithm of their access tokens (access_token_alg); accounts carry the claims of a person.
// Key rotation is a restart with another `jwks`. Prints "ready <issuer>" once listening.
import fs from 'node:fs';
import { Provider } from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const regmapClaims = (source) => Object.fromEntries(
  ['roles', 'organisation', 'environment', 'email', 'name']
    .filter((name) => source[name] !== undefined)
    .map((name) => [name, source[name]]),
);

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: config.jwks,
  extraClientMetadata: { properties: ['roles', 'organisation', 'environment', 'access_token_alg'] },
  claims: { openid: ['sub'], email: ['email'], profile: ['name'], regmap: ['roles', 'organisation'] },
  scopes: ['openid', 'email', 'profile', 'regmap'],
  pkce: { required: () => true },
  // The roles and organisation of a person come in the ID token (IAM-B's mappers put them
  // there), not only from the userinfo endpoint.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => config.audience,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource, client) => ({
        scope: 'regmap',
        audience: config.audience,
        accessTokenTTL: 300,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: client.access_token_alg || 'RS256' } },
      }),
    },
  },
  async findAccount(ctx, id) {
    const account = config.accounts[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...regmapClaims(account) }) };
  },
  async extraTokenClaims(ctx, token) {
    if (token.accountId) return regmapClaims(config.accounts[token.accountId] || {});
    const client = await provider.Client.find(token.clientId);
    return client ? regmapClaims(client) : undefined;
  },
});
provider.proxy = false;
provider.listen(config.port, '127.0.0.1', () => {
  console.log(`ready ${config.issuer}`);
});
