import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * A PayPal REST app's client id and secret (developer.paypal.com → Apps & Credentials), with Payouts enabled
 * for the app. The Affiliate Payouts node exchanges them for an OAuth2 token itself (client credentials); the
 * credential's own authentication (HTTP Basic) is what that token request and the Test button use.
 */
export class PayPalPayoutsApi implements ICredentialType {
	name = 'payPalPayoutsApi';

	displayName = 'PayPal Payouts API';

	icon: Icon = { light: 'file:paypal.svg', dark: 'file:paypal.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#affiliate-payouts';

	properties: INodeProperties[] = [
		{
			displayName: 'Environment',
			name: 'environment',
			type: 'options',
			options: [
				{ name: 'Sandbox', value: 'sandbox', description: 'api-m.sandbox.paypal.com: test money only' },
				{ name: 'Live', value: 'live', description: 'api-m.paypal.com: real money' },
			],
			default: 'sandbox',
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://api-m.sandbox.paypal.com',
			description: "Leave empty for the environment's PayPal host. Set only to go through a proxy or to a test server.",
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { auth: { username: '={{$credentials.clientId}}', password: '={{$credentials.clientSecret}}' } },
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl || ($credentials.environment === "live" ? "https://api-m.paypal.com" : "https://api-m.sandbox.paypal.com")}}',
			url: '/v1/oauth2/token',
			method: 'POST',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: 'grant_type=client_credentials',
		},
	};
}
