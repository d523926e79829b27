import { FAKE_GOOGLE_ACCESS_TOKEN, FAKE_GOOGLE_DEVELOPER_TOKEN, FAKE_GOOGLE_REFRESH_TOKEN, type GoogleAdsFake } from '../fakes/google-ads';
import { publicApi } from './n8n-api';

/**
 * Creates the Google Ads OAuth2 credential with a token the fake accepts; returns { id, name }.
 *
 * n8n keeps an OAuth2 credential's token in its data as `oauthTokenData`; n8n 2.41.1's public API takes it on
 * create (it refuses only undeclared or hidden fields, such as `accessTokenUrl`: "request.body.data is not
 * allowed to have the additional property"), so no internal REST call is needed. The token URL cannot point at
 * the fake anyway: n8n ignores stored values of OAuth URL fields the credential type declares hidden (see the
 * skipped refresh test in destinations-faults.e2e.test.ts), so a refresh would go to Google.
 */
export async function createGoogleCredential(fake: GoogleAdsFake, name: string, accessToken = FAKE_GOOGLE_ACCESS_TOKEN): Promise<{ id: string; name: string }> {
	const created = await publicApi<{ id: string; name: string }>('POST', '/credentials', {
		name,
		type: 'googleAdsConversionsOAuth2Api',
		data: {
			clientId: 'fake-client-id.apps.googleusercontent.com',
			clientSecret: 'fake-client-secret',
			developerToken: FAKE_GOOGLE_DEVELOPER_TOKEN,
			apiVersion: 'v26',
			baseUrl: fake.url,
			oauthTokenData: {
				access_token: accessToken,
				refresh_token: FAKE_GOOGLE_REFRESH_TOKEN,
				token_type: 'Bearer',
				expires_in: 3599,
				scope: 'https://www.googleapis.com/auth/adwords',
			},
		},
	});
	return { id: created.id, name: created.name };
}
