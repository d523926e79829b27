import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * The platform's Stripe secret key (or a restricted key allowed to create transfers and read balances and
 * connected accounts). Affiliates are paid as transfers to their connected accounts (acct_…).
 */
export class StripeConnectApi implements ICredentialType {
	name = 'stripeConnectApi';

	displayName = 'Stripe Connect Transfers API';

	icon: Icon = { light: 'file:stripe.svg', dark: 'file:stripe.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#affiliate-payouts';

	properties: INodeProperties[] = [
		{
			displayName: 'Secret Key',
			name: 'secretKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'sk_live_… or rk_live_…',
			description: 'A test-mode key (sk_test_…) moves test money only',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.stripe.com',
			description: 'Change only to go through a proxy or to a test server',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { headers: { Authorization: '=Bearer {{$credentials.secretKey}}' } },
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl || "https://api.stripe.com"}}',
			url: '/v1/balance',
			method: 'GET',
		},
	};
}
