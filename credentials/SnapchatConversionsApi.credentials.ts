import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Snapchat Conversions API v3: a Conversions API token generated in Snapchat Ads Manager, sent as the
 * `access_token` query parameter (never an Authorization header), as Snap documents it.
 *
 * The Test button calls GET /v3/{pixel_id}/events/validate/stats, the Test Event Tool's read-only counter of
 * recent test and live events: it sends and changes nothing. Snap has no endpoint that checks a token on its
 * own (every Conversions API path is under a pixel), so the credential asks for a pixel to test against; the
 * nodes still take their Pixel ID from their own setting. A wrong token or a pixel the token may not use gives
 * an HTTP error, and a `FAILURE` status fails the test too.
 */
export class SnapchatConversionsApi implements ICredentialType {
	name = 'snapchatConversionsApi';

	displayName = 'Snapchat Conversions API';

	icon: Icon = {
		light: 'file:../nodes/SnapchatConversions/snapchat.svg',
		dark: 'file:../nodes/SnapchatConversions/snapchat.dark.svg',
	};

	documentationUrl = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#snapchat-conversions-api';

	properties: INodeProperties[] = [
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'In Snapchat Ads Manager open Events Manager, the pixel, then Conversions API → Generate Token',
		},
		{
			displayName: 'Pixel ID for the Test',
			name: 'testPixelId',
			type: 'string',
			default: '',
			placeholder: '1ec32188-754e-4be2-8e55-c949a984a39f',
			description: 'A pixel this token may send to, used only by the Test button (the nodes use their own Pixel ID setting)',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://tr.snapchat.com',
			description: 'Change only to go through a proxy or to point at a test double',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { qs: { access_token: '={{$credentials.accessToken}}' } },
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '=/v3/{{encodeURIComponent($credentials.testPixelId.trim())}}/events/validate/stats',
			method: 'GET',
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'status',
					value: 'FAILURE',
					message: 'Snapchat refused the token for this pixel',
				},
			},
		],
	};
}
