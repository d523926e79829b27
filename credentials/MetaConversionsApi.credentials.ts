import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * A Meta Conversions API access token (Events Manager → your dataset → Settings → Conversions API →
 * Generate access token). The token travels as the `access_token` query parameter, as Meta documents it.
 * The pixel (dataset) ID is a node setting, so one token can serve several pixels of the same business.
 */
export class MetaConversionsApi implements ICredentialType {
	name = 'metaConversionsApi';

	displayName = 'Meta Conversions API';

	icon: Icon = { light: 'file:metaConversions.svg', dark: 'file:metaConversions.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#meta-conversions-api';

	properties: INodeProperties[] = [
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'Generated in Events Manager under Settings → Conversions API for the pixel (dataset) you send to',
		},
		{
			displayName: 'API Version',
			name: 'apiVersion',
			type: 'string',
			default: 'v26.0',
			description: 'The Graph API version, such as v26.0. Meta retires versions about two years after release: update it when Meta announces a retirement.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://graph.facebook.com',
			description: 'Change only to send through a proxy or to a test server',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { qs: { access_token: '={{$credentials.accessToken}}' } },
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '=/{{$credentials.apiVersion}}/me',
			method: 'GET',
		},
	};
}
