import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Microsoft Advertising UET Conversions API: the Conversions API token of a UET tag, sent as
 * `Authorization: Bearer <token>` (never in the query string).
 *
 * Microsoft publishes no read-only endpoint to check a token, and a token is only valid for its own UET tag.
 * The Test button therefore posts an EMPTY batch (`{ "data": [] }`) to /v1/{UET Tag ID}/events of the tag
 * entered here: it records nothing, and Microsoft answers 401 Unauthorized when the token is wrong, missing or
 * belongs to another tag. The node's own UET Tag ID setting decides where events go.
 */
export class MicrosoftAdsConversionsApi implements ICredentialType {
	name = 'microsoftAdsConversionsApi';

	displayName = 'Microsoft Ads Conversions API';

	icon: Icon = {
		light: 'file:../nodes/MicrosoftAdsConversions/microsoftAds.svg',
		dark: 'file:../nodes/MicrosoftAdsConversions/microsoftAds.dark.svg',
	};

	documentationUrl = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#microsoft-ads-conversions-api';

	properties: INodeProperties[] = [
		{
			displayName: 'API Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'In Microsoft Advertising open Tools → UET tag, choose the tag, then Use Conversions API to get its token',
		},
		{
			displayName: 'UET Tag ID',
			name: 'tagId',
			type: 'string',
			default: '',
			placeholder: '187654321',
			description: 'The UET tag the token was issued for. Used by the Test button only; the node has its own UET Tag ID setting.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://capi.uet.microsoft.com',
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
			url: '=/v1/{{$credentials.tagId}}/events',
			method: 'POST',
			body: { data: [] },
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message: 'Microsoft refused the token: check it is the Conversions API token of this UET tag',
				},
			},
		],
	};
}
