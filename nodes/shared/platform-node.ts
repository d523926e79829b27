import {
	type IAuthenticateGeneric,
	type ICredentialTestRequest,
	type ICredentialType,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
	type Icon,
	NodeConnectionTypes,
} from 'n8n-workflow';
import { type CredentialDefinition, type PlatformDefinition, type Setting, chosenCredential, readSettings } from '../../src/destinations/definition';
import { sendsThroughOAuth2 } from '../../src/destinations/forward';
import type { Platform, PlatformConfigs } from '../../src/destinations';
import { postbackStoreTest } from './store';
import { forItem, forwardItems, forwardWithOverrides } from './forward-items';
import { oauthSendDependencies } from './oauth-send';
import {
	consentDefaultProperty,
	defaultCountryProperty,
	destinationCredentials,
	overrideFieldsProperty,
	valueFromProperty,
	withConversionLog,
} from './platform-properties';

/**
 * The n8n side of a platform definition (src/destinations/definition.ts): its node and its credential, built
 * from the definition alone. scripts/platform-files.mjs writes the files n8n loads, each re-exporting one of
 * these classes under the name n8n expects.
 */

type AnyDefinition = PlatformDefinition<Platform, PlatformConfigs[Platform]>;

/** A declared setting as the editor's parameter. */
function propertiesOf(setting: Setting, definition: AnyDefinition): INodeProperties[] {
	switch (setting.type) {
		case 'raw':
			return [structuredClone(setting.property) as unknown as INodeProperties];
		case 'notice':
			return [{ displayName: setting.text, name: 'notice', type: 'notice', default: '' }];
		case 'valueFrom':
			return [valueFromProperty];
		case 'defaultCountry':
			return [defaultCountryProperty(definition.displayName, setting.phoneForm)];
		case 'overrides':
			return [
				overrideFieldsProperty({
					platformName: definition.displayName,
					eventNameExample: setting.eventNameExample,
					timeUnit: setting.timeUnit,
					...(definition.clickId
						? {
								clickId: {
									displayName: definition.clickId.override.label,
									description: definition.clickId.override.description,
									...(definition.clickId.override.name ? { name: definition.clickId.override.name } : {}),
								},
							}
						: {}),
				}),
			];
		case 'consent':
			return [consentDefaultProperty(definition.displayName, setting.field)];
		case 'collection':
			return [
				{
					displayName: setting.label,
					name: setting.name,
					type: 'collection',
					placeholder: setting.placeholder,
					default: {},
					options: setting.settings.flatMap((member) => propertiesOf(member, definition)),
				},
			];
		default: {
			const property: INodeProperties = {
				displayName: setting.label,
				name: setting.name,
				type: setting.type,
				default: setting.type === 'string' ? (setting.default ?? '') : setting.default,
			};
			if (setting.type === 'options') property.options = setting.options.map((option) => ({ ...option }));
			if (setting.type === 'string' && setting.required) property.required = true;
			if (setting.placeholder !== undefined) property.placeholder = setting.placeholder;
			if (setting.description !== undefined) property.description = setting.description;
			return [property];
		}
	}
}

/** The node's parameters: the declared settings, then the Conversion Log settings. */
export function platformProperties(definition: AnyDefinition): INodeProperties[] {
	return withConversionLog(definition.settings.flatMap((setting) => propertiesOf(setting, definition)));
}

/** The platform's node type, running today's forwarding path (forwardWithOverrides → forwardItems). */
export function platformNode<P extends Platform>(definition: PlatformDefinition<P, PlatformConfigs[P]>): new () => INodeType {
	const any = definition as unknown as AnyDefinition;
	const { node, credential } = definition;
	const versions = node.versions ?? [1];
	const description: INodeTypeDescription = {
		displayName: node.displayName,
		name: node.name,
		icon: { light: `file:${node.icon.light}`, dark: `file:${node.icon.dark}` },
		group: ['output'],
		version: versions.length > 1 ? [...versions] : versions[0],
		...(versions.length > 1 ? { defaultVersion: versions[versions.length - 1] } : {}),
		subtitle: node.subtitle,
		description: node.description,
		defaults: { name: node.displayName },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Sent', 'Failed'],
		credentials: destinationCredentials(credential.name, definition.alternateCredentials),
		usableAsTool: true,
		properties: platformProperties(any),
	};
	const Node = class implements INodeType {
		description: INodeTypeDescription = structuredClone(description);

		methods = { credentialTest: { postbackStoreTest } };

		async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
			const settingsOf = (itemIndex: number) =>
				readSettings(definition.settings, (name, fallback) => this.getNodeParameter(name, itemIndex, fallback as never));
			const { readItem } = definition;
			if (readItem) {
				const items = this.getInputData();
				// The API (and so the credential) is the node's choice, read once: every item goes the same way.
				const used = chosenCredential(definition, (name) => this.getNodeParameter(name, 0, undefined));
				const credentials = await this.getCredentials(used.name);
				const sending = sendsThroughOAuth2(used) ? oauthSendDependencies(this, used.name, definition.displayName) : undefined;
				return await forwardItems(
					this,
					definition.platform,
					(itemIndex) => forItem(this, itemIndex, () => readItem(items[itemIndex].json, settingsOf(itemIndex), credentials, itemIndex)),
					sending,
				);
			}
			return await forwardWithOverrides(
				this,
				definition.platform,
				credential.name,
				(itemIndex, credentials: Record<string, unknown>) =>
					forItem(this, itemIndex, () => {
						if (!definition.configFrom) throw new Error(`The ${definition.displayName} definition has neither configFrom nor readItem`);
						return definition.configFrom(settingsOf(itemIndex), credentials);
					}),
				definition.clickId?.field,
			);
		}
	};
	Object.defineProperty(Node, 'name', { value: node.className });
	return Node;
}

/** The platform's credential type: its first one, or the alternate of that class name. */
export function platformCredential<P extends Platform>(definition: PlatformDefinition<P, PlatformConfigs[P]>, className?: string): new () => ICredentialType {
	const { node } = definition;
	const credential: CredentialDefinition =
		className === undefined || className === definition.credential.className
			? definition.credential
			: ((definition.alternateCredentials ?? []).find((alternate) => alternate.credential.className === className)?.credential ??
				(() => {
					throw new Error(`${definition.displayName} has no credential ${className}`);
				})());
	const Credential = class implements ICredentialType {
		name = credential.name;

		declare extends?: string[];

		displayName = credential.displayName;

		// The node's icons: generated credentials sit in credentials/platforms/, the node's files in nodes/platforms/<class>/.
		icon: Icon = {
			light: `file:../../nodes/platforms/${node.className}/${node.icon.light}`,
			dark: `file:../../nodes/platforms/${node.className}/${node.icon.dark}`,
		};

		documentationUrl = credential.documentationUrl;

		properties: INodeProperties[] = credential.fields.map((field) => {
			const property: INodeProperties = { displayName: field.label, name: field.name, type: field.type, default: field.default };
			if (field.password) property.typeOptions = { password: true };
			if (field.required) property.required = true;
			if (field.placeholder !== undefined) property.placeholder = field.placeholder;
			if (field.description !== undefined) property.description = field.description;
			return property;
		});

		declare authenticate?: IAuthenticateGeneric;

		test: ICredentialTestRequest = structuredClone(credential.test) as ICredentialTestRequest;

		constructor() {
			// Only what the platform has: n8n reads a present `extends` or `authenticate` as meaningful.
			if (credential.extends) this.extends = [...credential.extends];
			if (credential.authenticate) this.authenticate = { type: 'generic', properties: structuredClone(credential.authenticate) };
		}
	};
	Object.defineProperty(Credential, 'name', { value: credential.className });
	return Credential;
}
