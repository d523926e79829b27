import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * ClickBank's Instant Notification Service secret key, which decrypts (and so authenticates) INS notifications.
 * Inbound only: nothing is sent with it, so the "Test" button checks the key's shape offline (see the Postback
 * Trigger's clickBankInsTest). Kept in a credential, encrypted by n8n, instead of the workflow's parameters.
 */
export class ClickBankInsApi implements ICredentialType {
	name = 'clickBankInsApi';

	displayName = 'ClickBank INS API';

	icon: Icon = { light: 'file:postback.svg', dark: 'file:postback.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#clickbank';

	properties: INodeProperties[] = [
		{
			displayName: 'Secret Key',
			name: 'secretKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: "The secret key from ClickBank's account settings (up to 16 letters and digits), the same one entered beside the Instant Notification URL",
		},
	];
}
