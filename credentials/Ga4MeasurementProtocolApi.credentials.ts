import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * GA4 Measurement Protocol: an API secret created for a web stream (Admin → Data streams → the stream →
 * Measurement Protocol API secrets), sent as the `api_secret` query parameter, as GA4 wants (no header). The
 * Measurement ID (G-…) is a node setting, since one secret belongs to one stream and a workflow may name it per item.
 *
 * The Test button: GA4 has no endpoint that checks a secret. /mp/collect answers 2xx to any request and silently
 * drops those with a wrong secret, and Google documents that the validation server (/debug/mp/collect) does not
 * check `api_secret`. So the test POSTs an empty event list to the validation server through the Base URL: it proves
 * the host answers as GA4's validation server (a wrong Base URL or a proxy refusing fails the test), not that the
 * secret is right. To check the secret, send a test conversion and look for it in GA4's Realtime report.
 */
export class Ga4MeasurementProtocolApi implements ICredentialType {
	name = 'ga4MeasurementProtocolApi';

	displayName = 'GA4 Measurement Protocol API';

	icon: Icon = {
		light: 'file:../nodes/Ga4MeasurementProtocol/ga4.svg',
		dark: 'file:../nodes/Ga4MeasurementProtocol/ga4.dark.svg',
	};

	documentationUrl = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#ga4-measurement-protocol';

	properties: INodeProperties[] = [
		{
			displayName: 'API Secret',
			name: 'apiSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'In Google Analytics: Admin → Data streams → the web stream → Measurement Protocol API secrets → Create',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://www.google-analytics.com',
			description: 'Change only to go through a proxy, to use the EU endpoint (https://region1.google-analytics.com) or to point at a test double',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { qs: { api_secret: '={{$credentials.apiSecret}}' } },
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/debug/mp/collect',
			method: 'POST',
			body: { client_id: 'n8n-credential-test', events: [] },
		},
	};
}
