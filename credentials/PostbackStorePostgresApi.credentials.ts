import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Where the tracking store lives when n8n runs in queue mode: a PostgreSQL database shared by every
 * worker and webhook process (usually the one n8n itself uses, in its own schema).
 */
export class PostbackStorePostgresApi implements ICredentialType {
	name = 'postbackStorePostgresApi';

	displayName = 'Postback Tracking Store (PostgreSQL) API';

	icon: Icon = { light: 'file:postback.svg', dark: 'file:postback.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#tracking-store';

	properties: INodeProperties[] = [
		{ displayName: 'Host', name: 'host', type: 'string', default: '127.0.0.1' },
		{ displayName: 'Port', name: 'port', type: 'number', default: 5432 },
		{ displayName: 'Database', name: 'database', type: 'string', default: 'n8n' },
		{ displayName: 'User', name: 'user', type: 'string', default: 'postgres' },
		{ displayName: 'Password', name: 'password', type: 'string', typeOptions: { password: true }, default: '' },
		{
			displayName: 'Schema',
			name: 'schema',
			type: 'string',
			default: 'postback',
			description: "The tracking tables are created in this schema (created if missing), apart from n8n's own tables",
		},
		{
			displayName: 'SSL',
			name: 'ssl',
			type: 'options',
			options: [
				{ name: 'Prefer (TLS When the Server Has It)', value: 'prefer', description: 'Tries TLS first; plain only when the server has no TLS at all' },
				{
					name: 'Require (TLS, Certificate Not Checked)',
					value: 'require',
					description: 'Always TLS; protects against listening, not against a server posing as yours',
				},
				{
					name: 'Verify Full (TLS, Certificate and Host Checked)',
					value: 'verify-full',
					description: "Always TLS, with the server's certificate checked against the system's CAs and the host name. Use it for a database across a network.",
				},
				{ name: 'Disable', value: 'disable', description: 'Never TLS: only for a database on the same host or a private network' },
			],
			default: 'prefer',
			description: "TLS to the database, with PostgreSQL's libpq names (sslmode)",
		},
	];
}
