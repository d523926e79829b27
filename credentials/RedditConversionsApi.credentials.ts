import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Reddit Conversions API (v3): a conversion access token generated in Reddit Events Manager (Conversions API →
 * Generate Access Token), sent as `Authorization: Bearer <token>` (never in the query string). The Pixel ID is a
 * setting of the node, since one token may post to every pixel of the business.
 *
 * The Test button calls GET /api/v3/me on the Ads API: a read-only call that sends no event and changes nothing,
 * and that Reddit answers 401 for a missing or unknown token. Reddit documents no read-only endpoint for
 * conversion tokens specifically, and the conversion endpoint itself cannot be called without sending an event to
 * a pixel the credential does not know; if Reddit refuses /me to a token scoped to conversions only, the test
 * fails while sending still works: the node's Failed output then tells (HTTP 401 means the token is wrong).
 */
export class RedditConversionsApi implements ICredentialType {
	name = 'redditConversionsApi';

	displayName = 'Reddit Conversions API';

	icon: Icon = {
		light: 'file:../nodes/RedditConversions/reddit.svg',
		dark: 'file:../nodes/RedditConversions/reddit.dark.svg',
	};

	documentationUrl = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#reddit-conversions-api';

	properties: INodeProperties[] = [
		{
			displayName: 'Conversion Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'In Reddit Events Manager open Conversions API, then Generate Access Token',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://ads-api.reddit.com',
			description: 'Change only to go through a proxy or to point at a test double',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: { Authorization: '=Bearer {{$credentials.accessToken}}' },
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/api/v3/me',
			method: 'GET',
		},
	};
}
