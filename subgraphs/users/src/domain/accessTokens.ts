import {
  ConfigError,
  loadSigningKey,
  signToken,
  type JSONWebKeySet,
  type SigningKey,
} from '@homegraph/platform';

export interface AccessTokenSettings {
  signingKeyPem: string;
  extraPublicJwks: { keys: object[] };
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface IssuedAccessToken {
  token: string;
  expiresAt: Date;
}

/** Signs access tokens (`typ` at+jwt, EdDSA) and publishes the keys that verify them. */
export class AccessTokenIssuer {
  private constructor(
    private readonly key: SigningKey,
    private readonly settings: AccessTokenSettings,
  ) {}

  static async create(settings: AccessTokenSettings): Promise<AccessTokenIssuer> {
    if (settings.extraPublicJwks.keys.some((key) => 'd' in key)) {
      throw new ConfigError(['ACCESS_TOKEN_EXTRA_PUBLIC_JWKS holds a private key; publish public keys only']);
    }
    return new AccessTokenIssuer(await loadSigningKey(settings.signingKeyPem), settings);
  }

  async issue(user: { id: string; roles: string[] }): Promise<IssuedAccessToken> {
    const token = await signToken(this.key, {
      type: 'access',
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      subject: user.id,
      ttlSeconds: this.settings.ttlSeconds,
      claims: { roles: user.roles },
    });
    return { token, expiresAt: new Date(Date.now() + this.settings.ttlSeconds * 1000) };
  }

  /** The JWKS the router verifies with: the signing key first, then any key of a rotation in progress. */
  jwks(): JSONWebKeySet {
    const extra = this.settings.extraPublicJwks.keys as JSONWebKeySet['keys'];
    return { keys: [this.key.publicJwk, ...extra.filter((key) => key.kid !== this.key.kid)] };
  }
}
