import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * How networks prove their postbacks are genuine. Inbound only: nothing is sent with it, so the
 * "Test" button runs a local check (see the Postback Trigger's credentialTest) instead of a request.
 */
export class PostbackAuthApi implements ICredentialType {
	name = 'postbackAuthApi';

	displayName = 'Postback Authentication API';

	icon: Icon = { light: 'file:postback.svg', dark: 'file:postback.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#authenticating-postbacks';

	properties: INodeProperties[] = [
		{
			displayName: 'Method',
			name: 'method',
			type: 'options',
			options: [
				{ name: 'Secret Token', value: 'token', description: 'A long random token in the URL path or a query parameter' },
				{ name: 'HTTP Basic Auth', value: 'basic', description: 'User name and password, for networks that support Basic auth (ShareASale)' },
				{ name: 'HMAC-SHA256 Signature', value: 'hmac', description: 'A signature of the raw body in a header' },
				{ name: 'IP Allowlist Only', value: 'none', description: 'Only the allowlist below decides (Impact, TUNE, Everflow publish their IP ranges)' },
			],
			default: 'token',
		},
		{
			displayName: 'Secret Token',
			name: 'token',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'At least 16 random characters. Networks put it in the postback URL, so use a fresh one per network.',
			displayOptions: { show: { method: ['token'] } },
		},
		{
			displayName: 'Send Secret Token In',
			name: 'placement',
			type: 'options',
			options: [
				{ name: 'Query Parameter', value: 'query' },
				{ name: 'Last Segment of the Path', value: 'path', description: 'Needs "Secret in Path" turned on in the trigger' },
			],
			default: 'query',
			displayOptions: { show: { method: ['token'] } },
		},
		{
			displayName: 'Query Parameter Name',
			name: 'queryParameterName',
			type: 'string',
			default: 'token',
			displayOptions: { show: { method: ['token'], placement: ['query'] } },
		},
		{
			displayName: 'User',
			name: 'user',
			type: 'string',
			default: '',
			displayOptions: { show: { method: ['basic'] } },
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { method: ['basic'] } },
		},
		{
			displayName: 'HMAC Secret',
			name: 'hmacSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { method: ['hmac'] } },
		},
		{
			displayName: 'Signature Header',
			name: 'hmacHeader',
			type: 'string',
			default: 'X-Postback-Signature',
			description: 'The header carrying the HMAC-SHA256 of the raw body (of the raw query string for GET). A "sha256=" prefix is accepted.',
			displayOptions: { show: { method: ['hmac'] } },
		},
		{
			displayName: 'Signature Encoding',
			name: 'hmacEncoding',
			type: 'options',
			options: [
				{ name: 'Hex', value: 'hex' },
				{ name: 'Base64', value: 'base64' },
			],
			default: 'hex',
			displayOptions: { show: { method: ['hmac'] } },
		},
		{
			displayName: 'Signature Timestamp Header',
			name: 'hmacTimestampHeader',
			type: 'string',
			default: '',
			placeholder: 'X-Postback-Timestamp',
			description:
				'Optional replay protection: the header carrying the unix time (seconds) the sender signed. When set, the signature covers "[timestamp].[raw body]", old requests are refused and each signature is accepted once.',
			displayOptions: { show: { method: ['hmac'] } },
		},
		{
			displayName: 'Max Age (Seconds)',
			name: 'hmacMaxAgeSeconds',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 300,
			description: 'How old a timestamped request may be (and how far its clock may run ahead) before it is refused',
			displayOptions: { show: { method: ['hmac'] } },
		},
		{
			displayName: 'IP Allowlist',
			name: 'ipAllowlist',
			type: 'string',
			default: '',
			placeholder: '203.0.113.0/24, 2001:db8::/32',
			description:
				'Addresses or CIDR ranges allowed to send postbacks, separated by commas. Empty allows any address. Behind a reverse proxy set N8N_PROXY_HOPS so n8n sees the real address.',
		},
	];
}
