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
			description: 'The tracking tables are created in this schema (created if missing), apart from n8n\'s own tables',
		},
		{
			displayName: 'SSL',
			name: 'ssl',
			type: 'options',
			options: [
				{ name: 'Disable', value: 'disable' },
				{ name: 'Require', value: 'require' },
				{ name: 'Verify Full', value: 'verify-full' },
			],
			default: 'disable',
		},
	];
}
