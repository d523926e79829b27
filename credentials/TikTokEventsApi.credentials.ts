import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * TikTok Events API 2.0: an access token generated for a pixel in TikTok Events Manager, sent in the
 * `Access-Token` header (never a query parameter, never `Bearer`).
 *
 * The Test button calls GET /open_api/v1.3/user/info/ on the Business API: a read-only call that needs nothing
 * but the token, and changes nothing. TikTok answers HTTP 200 either way, so the rules below turn its token
 * codes (40102 expired, 40104 missing, 40105 incorrect or revoked) into a failed test. A token limited to
 * sending events may be refused user info with a permission code; that still proves TikTok knows the token,
 * so the test passes.
 */
export class TikTokEventsApi implements ICredentialType {
	name = 'tikTokEventsApi';

	displayName = 'TikTok Events API';

	icon: Icon = { light: 'file:../nodes/TikTokEvents/tiktok.svg', dark: 'file:../nodes/TikTokEvents/tiktok.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#tiktok-events-api';

	properties: INodeProperties[] = [
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'In TikTok Events Manager open the pixel, then Settings → Events API → Generate Access Token',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://business-api.tiktok.com',
			description: 'Change only to go through a proxy or to point at a test double',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { headers: { 'Access-Token': '={{$credentials.accessToken}}' } },
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/open_api/v1.3/user/info/',
			method: 'GET',
		},
		rules: [
			{ type: 'responseSuccessBody', properties: { key: 'code', value: 40104, message: 'TikTok received no access token' } },
			{ type: 'responseSuccessBody', properties: { key: 'code', value: 40105, message: 'TikTok says the access token is incorrect or has been revoked' } },
			{
				type: 'responseSuccessBody',
				properties: { key: 'code', value: 40102, message: 'The access token has expired: generate a new one in TikTok Events Manager' },
			},
		],
	};
}
