import type { ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Google Ads API access for conversion uploads: n8n's OAuth2 flow against Google (scope adwords, offline
 * access so n8n can refresh the token), plus the developer token every Google Ads API call carries, the API
 * version (Google retires one about every quarter) and, for tests and proxies, the base URL.
 */
export class GoogleAdsConversionsOAuth2Api implements ICredentialType {
	name = 'googleAdsConversionsOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'Google Ads Conversions OAuth2 API';

	icon: Icon = {
		light: 'file:../nodes/GoogleAdsConversions/googleAdsConversions.svg',
		dark: 'file:../nodes/GoogleAdsConversions/googleAdsConversions.dark.svg',
	};

	documentationUrl = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#google-ads-conversions';

	properties: INodeProperties[] = [
		{ displayName: 'Grant Type', name: 'grantType', type: 'hidden', default: 'authorizationCode' },
		{ displayName: 'Authorization URL', name: 'authUrl', type: 'hidden', default: 'https://accounts.google.com/o/oauth2/v2/auth' },
		{ displayName: 'Access Token URL', name: 'accessTokenUrl', type: 'hidden', default: 'https://oauth2.googleapis.com/token' },
		{ displayName: 'Scope', name: 'scope', type: 'hidden', default: 'https://www.googleapis.com/auth/adwords' },
		{ displayName: 'Auth URI Query Parameters', name: 'authQueryParameters', type: 'hidden', default: 'access_type=offline&prompt=consent' },
		{ displayName: 'Authentication', name: 'authentication', type: 'hidden', default: 'body' },
		{
			displayName: 'Developer Token',
			name: 'developerToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'From the API Center of your Google Ads manager account. A token with test access works with test accounts only.',
		},
		{
			displayName: 'API Version',
			name: 'apiVersion',
			type: 'string',
			default: 'v26',
			description: 'Google Ads API version, such as v26. Google retires old versions on a schedule: move to a current one when uploads answer 404.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://googleads.googleapis.com',
			description: 'Change only for tests or a proxy',
		},
	];

	/** Lists the accounts the signed-in user reaches: proves the token, the developer token and the version. */
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '=/{{$credentials.apiVersion}}/customers:listAccessibleCustomers',
			method: 'GET',
			headers: {
				Authorization: '=Bearer {{$credentials.oauthTokenData.access_token}}',
				'developer-token': '={{$credentials.developerToken}}',
			},
		},
	};
}
