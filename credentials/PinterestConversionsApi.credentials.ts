import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Pinterest Conversions API (v5): a conversion access token generated in Pinterest Ads Manager (Conversions →
 * Conversions API → Generate new token), sent as `Authorization: Bearer <token>` and never in the query string.
 * The ad account the events go to is a node setting, so one token can serve every ad account its user may use.
 *
 * The Test button: a conversion token is only accepted by POST /v5/ad_accounts/{ad_account_id}/events (Pinterest's
 * OpenAPI description: the `conversion_token` scheme "only applies to the conversion events endpoint"), so there is
 * no read-only endpoint to ask, and that one needs an ad account. The credential therefore carries an ad account ID
 * for the test only: the button sends one synthetic page_visit event to it with `?test=true`, which Pinterest
 * validates and answers as usual but does not record. A wrong or revoked token fails with HTTP 401, an ad account
 * the token's user may not use with HTTP 403.
 */
export class PinterestConversionsApi implements ICredentialType {
	name = 'pinterestConversionsApi';

	displayName = 'Pinterest Conversions API';

	icon: Icon = {
		light: 'file:../nodes/PinterestConversions/pinterest.svg',
		dark: 'file:../nodes/PinterestConversions/pinterest.dark.svg',
	};

	documentationUrl = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#pinterest-conversions-api';

	properties: INodeProperties[] = [
		{
			displayName: 'Conversion Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'In Pinterest Ads Manager open Conversions → Conversions API, then Generate new token',
		},
		{
			displayName: 'Ad Account ID for the Test Button',
			name: 'testAdAccountId',
			type: 'string',
			default: '',
			required: true,
			placeholder: '549755885175',
			description:
				'An ad account this token may send to. The Test button sends it one test event, which Pinterest checks but does not record. Where conversions go is set in the node.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.pinterest.com',
			description: 'Change only to send through a proxy or to a test server',
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
			url: '=/v5/ad_accounts/{{$credentials.testAdAccountId.trim()}}/events',
			method: 'POST',
			qs: { test: 'true' },
			body: {
				data: [
					{
						event_name: 'page_visit',
						action_source: 'web',
						event_time: '={{Math.floor(Date.now() / 1000)}}',
						event_id: 'n8n-credential-test',
						user_data: {
							client_ip_address: '192.0.2.1',
							client_user_agent: 'n8n credential test',
						},
					},
				],
			},
			json: true,
		},
	};
}
