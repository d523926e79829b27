import {
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	NodeConnectionTypes,
	NodeOperationError,
} from 'n8n-workflow';
import { GA4_MEASUREMENT_ID, type Ga4Config } from '../../src/destinations/ga4';
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
import { ga4MeasurementProtocolProperties } from './description';

interface Ga4Credentials {
	apiSecret: string;
	baseUrl?: string;
}

/** The batch-level settings for one item (items with equal settings share requests). */
function configFor(context: IExecuteFunctions, itemIndex: number, credentials: Ga4Credentials): Ga4Config {
	const measurementId = requiredText(
		context,
		'measurementId',
		itemIndex,
		'Measurement ID',
		'Copy it from Google Analytics: Admin → Data streams → the web stream → Measurement ID (G-…).',
	).toUpperCase();
	if (!GA4_MEASUREMENT_ID.test(measurementId))
		throw new NodeOperationError(context.getNode(), `Measurement ID "${measurementId}" is not a GA4 Measurement ID such as G-XXXXXXXXXX`, {
			itemIndex,
			description: "Use the web stream's Measurement ID (G-…), not its stream ID or a Universal Analytics UA- ID.",
		});
	const validateOnly = context.getNodeParameter('validateOnly', itemIndex, false);
	if (typeof validateOnly !== 'boolean')
		throw new NodeOperationError(context.getNode(), `Validate Only must be true or false, not "${String(validateOnly)}"`, { itemIndex });
	return {
		measurementId,
		apiSecret: credentials.apiSecret,
		baseUrl: given(credentials.baseUrl),
		validateOnly,
		clientId: given(context.getNodeParameter('clientId', itemIndex, '')),
		valueFrom: readValueFrom(context, itemIndex),
		defaultCountry: readDefaultCountry(context, itemIndex),
	};
}

export class Ga4MeasurementProtocol implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'GA4 Measurement Protocol',
		name: 'ga4MeasurementProtocol',
		icon: { light: 'file:ga4.svg', dark: 'file:ga4.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["validateOnly"] ? "validate only: " + $parameter["measurementId"] : $parameter["measurementId"]}}',
		description:
			'Sends conversions to Google Analytics 4 through the Measurement Protocol: hashed user data, batched per client ID, checked against what GA4 would drop',
		defaults: { name: 'GA4 Measurement Protocol' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Sent', 'Failed'],
		credentials: destinationCredentials('ga4MeasurementProtocolApi'),
		usableAsTool: true,
		properties: withConversionLog(ga4MeasurementProtocolProperties),
	};

	methods = { credentialTest: { postbackStoreTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await forwardWithOverrides(this, 'ga4', 'ga4MeasurementProtocolApi', (itemIndex, credentials: Ga4Credentials) =>
			configFor(this, itemIndex, credentials),
		);
	}
}
