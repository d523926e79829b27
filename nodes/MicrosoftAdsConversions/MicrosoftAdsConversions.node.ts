import {
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	NodeConnectionTypes,
	NodeOperationError,
} from 'n8n-workflow';
import { MICROSOFT_CONSENT_VALUES, type MicrosoftConfig } from '../../src/destinations/microsoft';
import { postbackStoreTest } from '../shared/store';
import {
	destinationCredentials,
	forwardWithOverrides,
	given,
	readDefaultCountry,
	readValueFrom,
	requiredText,
	withConversionLog,
} from '../shared/destination-node';
import { microsoftAdsConversionsProperties } from './description';

interface MicrosoftCredentials {
	accessToken: string;
	baseUrl?: string;
}

/** The batch-level settings for one item (expressions may differ per item; items with equal settings share requests). */
function configFor(context: IExecuteFunctions, itemIndex: number, credentials: MicrosoftCredentials): MicrosoftConfig {
	const tagId = requiredText(context, 'tagId', itemIndex, 'UET Tag ID', 'Copy it from Microsoft Advertising → Tools → UET tag (the tag ID column).');
	if (!/^\d+$/.test(tagId)) {
		throw new NodeOperationError(context.getNode(), `UET Tag ID "${tagId}" is not a number`, {
			itemIndex,
			description: 'A UET tag ID is the number in the tag\'s tracking code (ti: "187654321").',
		});
	}
	const options = context.getNodeParameter('options', itemIndex, {}) as {
		adStorageConsent?: string;
	};
	const consent = given(options.adStorageConsent);
	if (consent !== undefined && !(MICROSOFT_CONSENT_VALUES as readonly string[]).includes(consent)) {
		throw new NodeOperationError(context.getNode(), `Ad Storage Consent "${consent}" is not G (granted) or D (denied)`, { itemIndex });
	}
	return {
		tagId,
		accessToken: credentials.accessToken,
		baseUrl: given(credentials.baseUrl),
		valueFrom: readValueFrom(context, itemIndex),
		defaultCountry: readDefaultCountry(context, itemIndex),
		...(consent ? { adStorageConsent: consent as MicrosoftConfig['adStorageConsent'] } : {}),
	};
}

export class MicrosoftAdsConversions implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Microsoft Ads Conversions API',
		name: 'microsoftAdsConversions',
		icon: {
			light: 'file:microsoftAds.svg',
			dark: 'file:microsoftAds.dark.svg',
		},
		group: ['output'],
		version: 1,
		subtitle: '={{"UET tag " + $parameter["tagId"]}}',
		description: 'Sends conversions to Microsoft Advertising through the UET Conversions API: hashed, deduplicated by event ID, batched',
		defaults: { name: 'Microsoft Ads Conversions API' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Sent', 'Failed'],
		credentials: destinationCredentials('microsoftAdsConversionsApi'),
		usableAsTool: true,
		properties: withConversionLog(microsoftAdsConversionsProperties),
	};

	methods = { credentialTest: { postbackStoreTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await forwardWithOverrides(
			this,
			'microsoft',
			'microsoftAdsConversionsApi',
			(itemIndex, credentials: MicrosoftCredentials) => configFor(this, itemIndex, credentials),
			'msclkid',
		);
	}
}
