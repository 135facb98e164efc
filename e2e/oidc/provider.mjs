// A real OpenID Provider on loopback for the browser tests: panva's oidc-provider with its development login
// (devInteractions: a form with login and password, then a consent form). Whoever signs in as LOGIN becomes the
// person LOGIN with the address LOGIN@example.org, verified.
//
//   node e2e/oidc/provider.mjs --port 8040 --redirect http://localhost:8000/auth/oauth/uni/callback
import Provider from 'oidc-provider';
import {parseArgs} from 'node:util';

const {values} = parseArgs({
  options: {
    port: {type: 'string', default: '8040'},
    redirect: {type: 'string'},
    'client-id': {type: 'string', default: 'authgate-e2e'},
    'client-secret': {type: 'string', default: 'authgate-e2e-client-secret'},
  },
});
const issuer = `http://localhost:${values.port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: values['client-id'],
      client_secret: values['client-secret'],
      redirect_uris: [values.redirect],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  pkce: {required: () => true},
  claims: {openid: ['sub'], email: ['email', 'email_verified']},
  scopes: ['openid', 'email', 'profile'],
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {sub: id, email: `${id}@example.org`, email_verified: true};
      },
    };
  },
  // the ID token carries the address (the client asks for the email scope and reads it from the ID token)
  conformIdTokenClaims: false,
  features: {devInteractions: {enabled: true}},
  cookies: {keys: ['authgate-e2e-cookie-key']},
});
// plain http on localhost: oidc-provider would otherwise refuse a non-https issuer behind no proxy
provider.proxy = false;
provider.listen(Number(values.port), 'localhost', () => {
  console.log(`oidc-provider: ${issuer}`);
});
